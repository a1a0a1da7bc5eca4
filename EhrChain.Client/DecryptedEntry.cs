using EhrChain.Core.Wire;

namespace EhrChain.Client;

/// <summary>
/// An entry as its reader sees it: the stored entry and its content in clear, or, when the reader
/// holds no key for its epoch or it fails to authenticate, no content and the reason.
/// </summary>
public sealed record DecryptedEntry(RecordEntry Entry, byte[]? Content, string? Problem)
{
    public bool IsReadable => Content is not null;
}
