using EhrChain.Client;
using EhrChain.Core.Keys;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>A participant in a test: their key file and their client.</summary>
internal sealed class Actor(KeyFile keys, EhrClient client)
{
    public KeyFile Keys { get; } = keys;
    public EhrClient Client { get; } = client;
    public string Id => Keys.Id;
    public KeyHolder Holder => Client.AsKeyHolder();

    public override string ToString() => Id;
}
