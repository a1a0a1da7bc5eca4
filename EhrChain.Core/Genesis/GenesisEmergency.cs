using EhrChain.Core.Crypto;

namespace EhrChain.Core.Genesis;

/// <summary>An organisation's emergency key: it receives escrow shares of record keys and signs its releases.</summary>
public sealed record GenesisTrustee(string Id, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey);

/// <summary>
/// A network's break-glass settings. They live in the genesis file, which every operator checks
/// before starting a node, and not in any transaction, so no Admin can appoint trustees whose
/// keys they hold. The Admin is never a trustee, and a threshold below two would let one
/// organisation open any record alone.
/// </summary>
public sealed record GenesisEmergency
{
    /// <summary>No network may let an emergency last longer than this, whatever its genesis says.</summary>
    public static readonly TimeSpan HardMaxDuration = TimeSpan.FromHours(24);

    public static readonly TimeSpan DefaultDurationValue = TimeSpan.FromHours(4);
    public static readonly TimeSpan DefaultReviewWindow = TimeSpan.FromHours(72);

    public GenesisEmergency(IReadOnlyList<GenesisTrustee> trustees, int threshold, TimeSpan defaultDuration, TimeSpan maxDuration, TimeSpan reviewWindow)
    {
        Trustees = trustees ?? throw new ArgumentNullException(nameof(trustees));
        Threshold = threshold;
        DefaultDuration = defaultDuration;
        MaxDuration = maxDuration;
        ReviewWindow = reviewWindow;
    }

    public IReadOnlyList<GenesisTrustee> Trustees { get; }
    public int Threshold { get; }
    public TimeSpan DefaultDuration { get; }
    public TimeSpan MaxDuration { get; }
    public TimeSpan ReviewWindow { get; }

    /// <summary>k = 2 of the trustees, 4 h by default, 24 h at most, reviews due in 72 h.</summary>
    public static GenesisEmergency WithDefaults(IReadOnlyList<GenesisTrustee> trustees) =>
        new(trustees, 2, DefaultDurationValue, HardMaxDuration, DefaultReviewWindow);

    public GenesisTrustee? FindTrustee(string id) => Trustees.FirstOrDefault(t => t.Id == id);

    /// <summary>Throws <see cref="FormatException"/> naming what is wrong.</summary>
    public void Validate(GenesisAdmin admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        if (Trustees.Count < 2 || Trustees.Count > ShamirSecretSharing.MaxShares)
        {
            throw new FormatException($"emergency: {Trustees.Count} trustees; between 2 and {ShamirSecretSharing.MaxShares}.");
        }
        if (Threshold < 2 || Threshold > Trustees.Count)
        {
            throw new FormatException($"emergency: threshold {Threshold}; between 2 (no organisation opens a key alone) and the {Trustees.Count} trustees.");
        }
        foreach (var trustee in Trustees)
        {
            Identifiers.Require(trustee.Id, "Trustee id");
        }
        if (Trustees.Select(t => t.Id).Distinct(StringComparer.Ordinal).Count() != Trustees.Count)
        {
            throw new FormatException("emergency: a trustee id appears twice.");
        }
        if (Trustees.Select(t => t.EncryptionKey).Distinct().Count() != Trustees.Count
            || Trustees.Select(t => t.SigningKey).Distinct().Count() != Trustees.Count)
        {
            throw new FormatException("emergency: two trustees share a key.");
        }
        if (Trustees.Any(t => t.Id == admin.Id || t.SigningKey.Equals(admin.SigningKey) || t.EncryptionKey.Equals(admin.EncryptionKey)))
        {
            throw new FormatException("emergency: the Admin must not be a trustee.");
        }
        if (MaxDuration <= TimeSpan.Zero || MaxDuration > HardMaxDuration)
        {
            throw new FormatException($"emergency: maximum duration {MaxDuration}; above zero and at most {HardMaxDuration.TotalHours:F0} h.");
        }
        if (DefaultDuration <= TimeSpan.Zero || DefaultDuration > MaxDuration)
        {
            throw new FormatException($"emergency: default duration {DefaultDuration}; above zero and at most the maximum.");
        }
        if (ReviewWindow < MaxDuration || ReviewWindow > TimeSpan.FromDays(365))
        {
            throw new FormatException("emergency: the review window must be at least the maximum duration and at most a year.");
        }
    }
}
