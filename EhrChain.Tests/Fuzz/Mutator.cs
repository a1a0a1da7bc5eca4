namespace EhrChain.Tests.Fuzz;

/// <summary>
/// Byte-level mutations of the kinds that break decoders: flipped bits, bytes set to edge values,
/// inserted and deleted runs, truncation, duplicated runs, splices of two inputs, and varints of
/// the int64 and uint64 extremes dropped in. Driven by one seeded Random, so a run replays exactly.
/// </summary>
public sealed class Mutator(Random random)
{
    private static readonly byte[][] Interesting =
    [
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],          // int64 max as a varint
        [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],    // int64 min as a varint
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],    // uint64 max as a varint
        [0xff, 0xff, 0xff, 0xff, 0x0f],                                  // a 4 GiB length
        [0x0b], [0x0c], [0x7b], [0x7c],                                  // start and end group tags
        [0x00], [0xff], [0x7f], [0x80],
    ];

    public byte[] Mutate(byte[] input, byte[] other)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(other);
        var bytes = new List<byte>(input);
        var rounds = 1 + random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    var run = new byte[1 + random.Next(8)];
                    random.NextBytes(run);
                    bytes.InsertRange(at, run);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 4 when bytes.Count > 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 5 when bytes.Count > 0:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(32));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 6 when other.Length > 0:
                    var from = random.Next(other.Length);
                    bytes.RemoveRange(at, bytes.Count - at);
                    bytes.AddRange(other.AsSpan(from).ToArray());
                    break;
                default:
                    bytes.InsertRange(at, Interesting[random.Next(Interesting.Length)]);
                    break;
            }
        }
        return [.. bytes];
    }
}
