using System.Security.Cryptography;

namespace EhrChain.Cli.Local;

/// <summary>
/// Ids that say nothing about whom or what they name: a one-letter kind and 80 random bits. A
/// participant id or record id is in clear on every node (the contract keys its rules on it), so a
/// name such as "pat-ada" would put the person on the chain; people use local aliases instead.
/// </summary>
internal static class OpaqueIds
{
    public static string Participant() => "p-" + RandomHex();

    public static string Record() => "r-" + RandomHex();

    private static string RandomHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
}
