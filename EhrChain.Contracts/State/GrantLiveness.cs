using EhrChain.Core.Wire;

namespace EhrChain.Contracts.State;

/// <summary>
/// When a grant lets its holder in. Expiry is judged against a time the caller supplies: the block
/// time inside the executor (so every node agrees), the reading node's clock for queries.
/// </summary>
public static class GrantLiveness
{
    public static bool IsRevoked(AccessGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return grant.RevokedUnixMs != 0;
    }

    public static bool IsExpired(AccessGrant grant, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(grant);
        return grant.ExpiresUnixMs != 0 && atUnixMs >= grant.ExpiresUnixMs;
    }

    public static bool IsLive(AccessGrant grant, long atUnixMs) => !IsRevoked(grant) && !IsExpired(grant, atUnixMs);
}
