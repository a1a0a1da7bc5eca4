namespace EhrChain.Cli.Local;

/// <summary>
/// Where the CLI keeps what is private to this person: key files and the alias book, under
/// <c>$EHRCHAIN_HOME</c> (default <c>~/.ehrchain</c>). Outside any working tree, so private keys
/// are never one <c>git add</c> away from a repository.
/// </summary>
internal sealed class LocalHome(string root)
{
    public const string Variable = "EHRCHAIN_HOME";

    public string Root { get; } = Path.GetFullPath(root);

    public string KeysDirectory => Path.Combine(Root, "keys");

    /// <summary>Next to the keys: the aliases name the people and records those keys act on.</summary>
    public string AliasBookPath => Path.Combine(Root, "aliases.json");

    public static LocalHome Current()
    {
        var configured = Environment.GetEnvironmentVariable(Variable);
        return new LocalHome(string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ehrchain")
            : configured);
    }

    public string KeyFilePath(string name) => Path.Combine(KeysDirectory, name + ".key.json");

    public AliasBook Aliases() => AliasBook.Load(AliasBookPath);
}
