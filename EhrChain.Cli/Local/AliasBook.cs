using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;

namespace EhrChain.Cli.Local;

/// <summary>
/// This person's names for participants and records (<c>pat-ada</c> for <c>p-3f9c...</c>), kept in
/// one JSON file beside the keys and never sent anywhere. Every CLI option that takes an id takes
/// an alias or a raw id: a known alias is replaced by its id, anything else is used as typed.
/// </summary>
internal sealed class AliasBook
{
    private readonly string _path;
    private readonly SortedDictionary<string, string> _ids;

    private AliasBook(string path, SortedDictionary<string, string> ids)
    {
        _path = path;
        _ids = ids;
    }

    public IReadOnlyDictionary<string, string> Entries => _ids;

    public static AliasBook Load(string path)
    {
        var ids = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return new AliasBook(path, ids);
        }
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject document)
            {
                foreach (var (alias, id) in document)
                {
                    if (id?.GetValueKind() == JsonValueKind.String)
                    {
                        ids[alias] = id.GetValue<string>();
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new CliException($"the alias book '{path}' is not valid JSON: {e.Message}");
        }
        return new AliasBook(path, ids);
    }

    /// <summary>The id <paramref name="aliasOrId"/> names: its id if it is an alias, itself otherwise.</summary>
    public string Resolve(string aliasOrId) => _ids.TryGetValue(aliasOrId, out var id) ? id : aliasOrId;

    /// <summary>How to show an id to this person: "alias (id)" when they named it, the id otherwise.</summary>
    public string Describe(string id)
    {
        var alias = _ids.FirstOrDefault(e => e.Value == id).Key;
        return alias is null || alias == id ? id : $"{alias} ({id})";
    }

    /// <summary>Names <paramref name="id"/> <paramref name="alias"/> and saves the book; an alias already naming another id needs <paramref name="replace"/>.</summary>
    public void Set(string alias, string id, bool replace = false)
    {
        if (!Core.Identifiers.IsValid(alias))
        {
            throw new CliException($"'{alias}' is not a valid alias: use letters, digits, '.', '_' or '-', starting with a letter or digit.") { ExitCode = ExitCodes.Usage };
        }
        if (_ids.TryGetValue(alias, out var existing) && existing != id && !replace)
        {
            throw new CliException($"the alias '{alias}' already names {existing}; pass --force to point it at {id}.");
        }
        _ids[alias] = id;
        Save();
    }

    private void Save()
    {
        var document = new JsonObject();
        foreach (var (alias, id) in _ids)
        {
            document[alias] = id;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Who this person treats or sees is private too: owner-only, like the key files.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(_path, options);
        stream.Write(Encoding.UTF8.GetBytes(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
    }
}
