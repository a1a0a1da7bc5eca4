using System.Globalization;
using System.Text;
using EhrChain.Core.Wire;

namespace EhrChain.Client;

/// <summary>
/// The associated data every entry's ciphertext is authenticated with. The engine records kind,
/// author and epoch in clear from the transaction and its signer; binding the same values into the
/// ciphertext means an entry that claims another author, kind, record or epoch does not decrypt.
/// <c>"ehrchain/v1/entry\0" record "\0" kind-number "\0" author "\0" epoch</c>.
/// </summary>
public static class EntryBinding
{
    public static byte[] AssociatedData(string recordId, EntryKind kind, string authorId, uint epoch) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"ehrchain/v1/entry\0{recordId}\0{(int)kind}\0{authorId}\0{epoch}"));
}
