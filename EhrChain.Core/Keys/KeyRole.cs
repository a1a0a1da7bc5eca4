namespace EhrChain.Core.Keys;

/// <summary>Who a key file belongs to: one of the four participant roles, or a validator node.</summary>
public enum KeyRole
{
    Patient,
    Doctor,
    Laboratory,
    Admin,
    Validator,
}
