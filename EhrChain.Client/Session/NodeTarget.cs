namespace EhrChain.Client.Session;

/// <summary>
/// A node's client address and how to trust it: over TLS, verified against <see cref="CaFile"/>
/// (or the system roots when null); plaintext only when <see cref="Insecure"/> says so, explicitly.
/// </summary>
public sealed record NodeTarget(string Address, string? CaFile, bool Insecure)
{
    /// <summary>The network's genesis file on this machine, when known: the emergency trustees are taken from it, never from the node (<see cref="NetworkEscrow"/>).</summary>
    public string? GenesisFile { get; init; }

    public static NodeTarget Tls(string address, string? caFile) => new(address, caFile, Insecure: false);

    public static NodeTarget Plaintext(string address) => new(address, null, Insecure: true);

    public override string ToString() => Address;
}
