using EhrChain.Core.Crypto;

namespace EhrChain.Client;

/// <summary>A participant a data key is sealed to: their id and X25519 public key (from their public profile).</summary>
public sealed record KeyHolder(string Id, EncryptionPublicKey EncryptionKey);
