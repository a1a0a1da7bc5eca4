using System.Text.RegularExpressions;

namespace EhrChain.Core;

/// <summary>
/// The shape of every id a person types (participants, records, validators, chain): 1 to 64
/// characters of letters, digits, '.', '_' and '-', starting with a letter or digit. Keeping ids
/// plain keeps state keys, logs and file names unambiguous.
/// </summary>
public static partial class Identifiers
{
    public const int MaxLength = 64;

    public static bool IsValid(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Throws <see cref="FormatException"/> naming <paramref name="what"/> when the id is not valid.</summary>
    public static string Require(string? id, string what) =>
        IsValid(id)
            ? id!
            : throw new FormatException($"{what} '{id}' is not a valid id: use 1-{MaxLength} letters, digits, '.', '_' or '-', starting with a letter or digit.");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
