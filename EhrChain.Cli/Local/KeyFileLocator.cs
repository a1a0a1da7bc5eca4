using EhrChain.Cli.Output;

namespace EhrChain.Cli.Local;

/// <summary>
/// Finds the key file an option names: a path to a file, or an alias (or id) whose key file is in
/// the keys directory (<c>{keys}/{alias}.key.json</c>).
/// </summary>
internal static class KeyFileLocator
{
    public static string Find(string pathOrAlias, LocalHome home)
    {
        if (File.Exists(pathOrAlias))
        {
            return Path.GetFullPath(pathOrAlias);
        }
        if (Core.Identifiers.IsValid(pathOrAlias))
        {
            if (File.Exists(home.KeyFilePath(pathOrAlias)))
            {
                return home.KeyFilePath(pathOrAlias);
            }
            var id = home.Aliases().Resolve(pathOrAlias);
            if (File.Exists(home.KeyFilePath(id)))
            {
                return home.KeyFilePath(id);
            }
        }
        throw new CliException($"no key file '{pathOrAlias}': it is neither a file nor an alias with a key file in {home.KeysDirectory}.");
    }
}
