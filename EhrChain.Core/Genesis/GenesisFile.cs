using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EhrChain.Core.Crypto;

namespace EhrChain.Core.Genesis;

/// <summary>A validator named in the genesis file: the node's id, peer address and public keys.</summary>
public sealed record GenesisValidator(string Id, string Address, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey);

/// <summary>The first Admin, enrolled by the genesis block itself.</summary>
public sealed record GenesisAdmin(string Id, string Name, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey);

/// <summary>
/// What every node of one network shares: the chain id, the validators (n = 3f + 1) and the first
/// Admin. Its hash seeds block 0, so nodes with different genesis files derive different chains
/// and refuse each other.
/// </summary>
public sealed class GenesisFile
{
    public const int CurrentVersion = 1;

    /// <summary>The break-glass trustees and settings are optional: a network without them cannot open emergencies.</summary>
    public GenesisFile(string chainId, DateTimeOffset createdAt, IReadOnlyList<GenesisValidator> validators, GenesisAdmin admin, GenesisEmergency? emergency = null)
    {
        ChainId = Identifiers.Require(chainId, "Chain id");
        CreatedAt = createdAt;
        Validators = validators ?? throw new ArgumentNullException(nameof(validators));
        Admin = admin ?? throw new ArgumentNullException(nameof(admin));
        Emergency = emergency;
        Validate();
        emergency?.Validate(admin);
        Hash = Hash.Compute(Encoding.UTF8.GetBytes(ToJson()));
    }

    public string ChainId { get; }
    public DateTimeOffset CreatedAt { get; }
    public IReadOnlyList<GenesisValidator> Validators { get; }
    public GenesisAdmin Admin { get; }
    public GenesisEmergency? Emergency { get; }

    /// <summary>SHA-256 of the canonical JSON (as <see cref="ToJson"/> writes it), not of the file's bytes.</summary>
    public Hash Hash { get; }

    /// <summary>The number of faulty validators tolerated: n = 3f + 1.</summary>
    public int FaultsTolerated => (Validators.Count - 1) / 3;

    public GenesisValidator? FindValidator(string id) => Validators.FirstOrDefault(v => v.Id == id);

    public string ToJson() => JsonSerializer.Serialize(ToDocument(), GenesisJsonContext.Default.GenesisDocument);

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static GenesisFile Load(string path)
    {
        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"Cannot read genesis file '{path}': {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Genesis file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Parses and validates a genesis document; throws <see cref="FormatException"/> with the reason.</summary>
    public static GenesisFile Parse(string json)
    {
        GenesisDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, GenesisJsonContext.Default.GenesisDocument);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON ({e.Message}).", e);
        }
        if (document is null || document.Version != CurrentVersion)
        {
            throw new FormatException($"unsupported genesis version {document?.Version}; expected {CurrentVersion}.");
        }
        if (document.Admin is null)
        {
            throw new FormatException("no admin is named.");
        }
        var validators = (document.Validators ?? []).Select(v => new GenesisValidator(
            Identifiers.Require(v.Id, "Validator id"),
            v.Address ?? throw new FormatException($"validator '{v.Id}' has no address."),
            SigningPublicKey.FromBase64(v.SigningPublicKey ?? ""),
            EncryptionPublicKey.FromBase64(v.EncryptionPublicKey ?? ""))).ToList();
        var admin = new GenesisAdmin(
            Identifiers.Require(document.Admin.Id, "Admin id"),
            document.Admin.Name ?? document.Admin.Id!,
            SigningPublicKey.FromBase64(document.Admin.SigningPublicKey ?? ""),
            EncryptionPublicKey.FromBase64(document.Admin.EncryptionPublicKey ?? ""));
        return new GenesisFile(document.ChainId ?? "", document.CreatedAt, validators, admin, ParseEmergency(document.Emergency));
    }

    private static GenesisEmergency? ParseEmergency(GenesisEmergencyDocument? document)
    {
        if (document is null)
        {
            return null;
        }
        var trustees = (document.Trustees ?? []).Select(t => new GenesisTrustee(
            Identifiers.Require(t.Id, "Trustee id"),
            SigningPublicKey.FromBase64(t.SigningPublicKey ?? ""),
            EncryptionPublicKey.FromBase64(t.EncryptionPublicKey ?? ""))).ToList();
        return new GenesisEmergency(
            trustees,
            document.Threshold,
            Minutes(document.DefaultDurationMinutes, "defaultDurationMinutes"),
            Minutes(document.MaxDurationMinutes, "maxDurationMinutes"),
            Minutes(document.ReviewWindowMinutes, "reviewWindowMinutes"));
    }

    // Bounded before conversion, so a hostile number is a FormatException and not an overflow.
    private static TimeSpan Minutes(long value, string name) =>
        value is > 0 and <= 366L * 24 * 60
            ? TimeSpan.FromMinutes(value)
            : throw new FormatException($"emergency: {name} {value} is not between 1 and {366L * 24 * 60}.");

    private void Validate()
    {
        if (Validators.Count < 4 || (Validators.Count - 1) % 3 != 0)
        {
            throw new FormatException($"{Validators.Count} validators: PBFT needs n = 3f + 1 with f >= 1 (4, 7, 10, ...).");
        }
        var duplicate = Validators.GroupBy(v => v.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new FormatException($"validator id '{duplicate.Key}' appears twice.");
        }
        if (Validators.Select(v => v.SigningKey).Distinct().Count() != Validators.Count)
        {
            throw new FormatException("two validators share a signing key.");
        }
    }

    private GenesisDocument ToDocument() => new()
    {
        Version = CurrentVersion,
        ChainId = ChainId,
        CreatedAt = CreatedAt,
        Validators = Validators.Select(v => new GenesisValidatorDocument
        {
            Id = v.Id,
            Address = v.Address,
            SigningPublicKey = v.SigningKey.ToBase64(),
            EncryptionPublicKey = v.EncryptionKey.ToBase64(),
        }).ToList(),
        Admin = new GenesisAdminDocument
        {
            Id = Admin.Id,
            Name = Admin.Name,
            SigningPublicKey = Admin.SigningKey.ToBase64(),
            EncryptionPublicKey = Admin.EncryptionKey.ToBase64(),
        },
        Emergency = Emergency is not { } emergency ? null : new GenesisEmergencyDocument
        {
            Threshold = emergency.Threshold,
            DefaultDurationMinutes = (long)emergency.DefaultDuration.TotalMinutes,
            MaxDurationMinutes = (long)emergency.MaxDuration.TotalMinutes,
            ReviewWindowMinutes = (long)emergency.ReviewWindow.TotalMinutes,
            Trustees = emergency.Trustees.Select(t => new GenesisTrusteeDocument
            {
                Id = t.Id,
                SigningPublicKey = t.SigningKey.ToBase64(),
                EncryptionPublicKey = t.EncryptionKey.ToBase64(),
            }).ToList(),
        },
    };
}

internal sealed class GenesisDocument
{
    public int Version { get; set; }
    public string? ChainId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public List<GenesisValidatorDocument>? Validators { get; set; }
    public GenesisAdminDocument? Admin { get; set; }

    // Absent from the JSON, and so from the hash, when a network has no emergency trustees:
    // genesis files written before break-glass keep their hash.
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GenesisEmergencyDocument? Emergency { get; set; }
}

internal sealed class GenesisEmergencyDocument
{
    public int Threshold { get; set; }
    public long DefaultDurationMinutes { get; set; }
    public long MaxDurationMinutes { get; set; }
    public long ReviewWindowMinutes { get; set; }
    public List<GenesisTrusteeDocument>? Trustees { get; set; }
}

internal sealed class GenesisTrusteeDocument
{
    public string? Id { get; set; }
    public string? SigningPublicKey { get; set; }
    public string? EncryptionPublicKey { get; set; }
}

internal sealed class GenesisValidatorDocument
{
    public string? Id { get; set; }
    public string? Address { get; set; }
    public string? SigningPublicKey { get; set; }
    public string? EncryptionPublicKey { get; set; }
}

internal sealed class GenesisAdminDocument
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? SigningPublicKey { get; set; }
    public string? EncryptionPublicKey { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(GenesisDocument))]
internal sealed partial class GenesisJsonContext : JsonSerializerContext;
