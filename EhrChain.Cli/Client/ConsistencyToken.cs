namespace EhrChain.Cli.Client;

/// <summary>The highest committed height a client has seen; only ever moves forward. Shared by sessions that act together.</summary>
internal sealed class ConsistencyToken
{
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
