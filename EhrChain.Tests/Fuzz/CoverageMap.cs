using System.Reflection;
using SharpFuzz.Common;

namespace EhrChain.Tests.Fuzz;

/// <summary>SharpFuzz's shared edge map, where instrumented code counts each branch edge it takes.</summary>
internal static unsafe class CoverageMap
{
    public const int Size = 65536;

    private static readonly byte* Map = Resolve();

    public static void Clear()
    {
        new Span<byte>(Map, Size).Clear();
        Trace.PrevLocation = 0;
    }

    /// <summary>Marks every edge hit since <see cref="Clear"/> in <paramref name="seen"/>; returns whether any was new.</summary>
    public static bool MarkNew(bool[] seen)
    {
        var map = new ReadOnlySpan<byte>(Map, Size);
        var found = false;
        for (var i = 0; i < Size; i++)
        {
            if (map[i] != 0 && !seen[i])
            {
                seen[i] = true;
                found = true;
            }
        }
        return found;
    }

    private static byte* Resolve()
    {
        var field = typeof(Trace).GetField(nameof(Trace.SharedMem), BindingFlags.Public | BindingFlags.Static)!;
        if (field.GetValue(null) is { } boxed && Pointer.Unbox(boxed) is var existing && existing != null)
        {
            return (byte*)existing;
        }
        // Outside afl-fuzz nothing maps the shared memory: give the instrumented code a map of our own.
        var map = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(Size);
        Trace.SharedMem = map;
        return map;
    }
}
