namespace EhrChain.Client.Session;

/// <summary>The highest committed height a client has seen; only ever moves forward. Shared by sessions that act together.</summary>
public sealed class ConsistencyToken
{
    /// <summary>The request header that carries the token: the node waits until it has committed this height before it judges or answers.</summary>
    public const string Header = "ehrchain-after-height";

    private long _height;

    public ulong Height => (ulong)Interlocked.Read(ref _height);

    public void Saw(ulong height)
    {
        long current;
        while ((ulong)(current = Interlocked.Read(ref _height)) < height)
        {
            if (Interlocked.CompareExchange(ref _height, (long)height, current) == current)
            {
                return;
            }
        }
    }
}
