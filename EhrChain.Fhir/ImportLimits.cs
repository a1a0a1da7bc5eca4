using EhrChain.Core.Crypto;

namespace EhrChain.Fhir;

/// <summary>
/// The contract's limits on an append (docs/contracts.md, UpdateAsset) and the node's on a
/// transaction (Admission:MaxTransactionBytes), as the importer must respect them. A test holds
/// them equal to the engine's own constants.
/// </summary>
public static class ImportLimits
{
    public const int MaxEntriesPerTransaction = 32;

    public const int MaxEntryCiphertextBytes = 64 * 1024;

    /// <summary>The largest resource (serialised) that fits one entry once encrypted.</summary>
    public const int MaxEntryPlaintextBytes = MaxEntryCiphertextBytes - ContentCipher.Overhead;

    /// <summary>
    /// Ciphertext per transaction. The node's default admission limit is 256 KiB for the whole
    /// signed transaction; 64 KiB is left for the envelope, ids and per-entry framing.
    /// </summary>
    public const int MaxTransactionCiphertextBytes = 192 * 1024;

    /// <summary>A bundle file larger than this is refused before it is read into memory.</summary>
    public const long MaxBundleBytes = 16 * 1024 * 1024;
}
