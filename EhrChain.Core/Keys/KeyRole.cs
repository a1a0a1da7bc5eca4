namespace EhrChain.Core.Keys;

/// <summary>Who a key file belongs to: one of the participant roles, a validator node, or an emergency trustee.</summary>
public enum KeyRole
{
    Patient,
    Doctor,
    Laboratory,
    Admin,
    Validator,

    /// <summary>Reads the whole chain for oversight, once an Admin enrols it; signs no record action.</summary>
    Auditor,

    /// <summary>Reads the prescriptions shared with it and records their dispensing, once an Admin enrols it.</summary>
    Pharmacist,

    /// <summary>An organisation's break-glass emergency key, named in the genesis file; signs releases only.</summary>
    Trustee,
}
