using System.Globalization;
using System.Text;

namespace EhrChain.Client;

/// <summary>
/// The associated data a sealed profile's ciphertext is authenticated with. Binding the
/// participant id and the version means a profile copied onto another participant, or an older
/// version replayed as the current one, does not decrypt.
/// <c>"ehrchain/v1/profile\0" participant "\0" version</c>.
/// </summary>
public static class ProfileBinding
{
    public static byte[] AssociatedData(string participantId, uint version) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"ehrchain/v1/profile\0{participantId}\0{version}"));
}
