using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;

namespace EhrChain.Tests.Fuzz;

/// <summary>
/// Coverage-guided fuzzing of every decoder target, bounded in inputs and time. Copies of this
/// build's assemblies are instrumented with the sharpfuzz tool (installed on first use), loaded
/// into their own load context, and driven in-process: an input that reaches an edge no earlier
/// input reached (read from SharpFuzz's trace map) joins the corpus and is mutated further. Any
/// exception out of a target fails the run with the input that caused it.
/// Run it with: dotnet test EhrChain.sln --filter "TestCategory=Fuzz"
/// </summary>
[Explicit("Minutes of fuzzing; run on purpose")]
[Category("Fuzz")]
public sealed class CoverageGuidedFuzzTests
{
    private const int Seed = 20_261_202;
    private const int MaxInputsPerTarget = 50_000;
    private static readonly TimeSpan MaxTimePerTarget = TimeSpan.FromSeconds(30);
    private static readonly string[] Instrumented = ["Google.Protobuf.dll", "EhrChain.Core.dll", "EhrChain.Storage.dll", "EhrChain.Contracts.dll", "EhrChain.Consensus.dll", "EhrChain.Node.dll"];

    private string _directory = null!;
    private InstrumentedContext _context = null!;
    private IReadOnlyDictionary<string, Action<byte[]>> _targets = null!;
    private IReadOnlyDictionary<string, byte[][]> _seeds = null!;

    [OneTimeSetUp]
    public void InstrumentCopiesOfTheDecoders()
    {
        _directory = Directory.CreateTempSubdirectory("ehrchain-fuzz-").FullName;
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
        {
            File.Copy(file, Path.Combine(_directory, Path.GetFileName(file)));
        }
        var tool = SharpFuzzTool();
        foreach (var assembly in Instrumented)
        {
            Run(tool, Path.Combine(_directory, assembly));
        }
        // The map must exist before any instrumented code runs (the targets' constructor is some).
        CoverageMap.Clear();
        _context = new InstrumentedContext(_directory);
        var targets = _context.LoadFromAssemblyPath(Path.Combine(_directory, "EhrChain.Tests.dll")).GetType(typeof(DecoderTargets).FullName!, throwOnError: true)!;
        var instance = Activator.CreateInstance(targets)!;
        _targets = (IReadOnlyDictionary<string, Action<byte[]>>)targets.GetProperty(nameof(DecoderTargets.Targets))!.GetValue(instance)!;
        _seeds = (IReadOnlyDictionary<string, byte[][]>)targets.GetProperty(nameof(DecoderTargets.Seeds))!.GetValue(instance)!;
    }

    [OneTimeTearDown]
    public void RemoveCopies()
    {
        _context?.Unload();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // An unloaded context may still hold a file for a moment; the temp directory is the OS's to clear.
        }
    }

    private static IEnumerable<string> TargetNames()
    {
        using var decoders = new DecoderTargets();
        return [.. decoders.Targets.Keys];
    }

    [TestCaseSource(nameof(TargetNames))]
    public void Fuzzed_input_is_accepted_or_refused_never_an_exception(string target)
    {
        var run = _targets[target];
        var corpus = new List<byte[]>(_seeds[target]);
        var seen = new bool[CoverageMap.Size];
        var mutator = new Mutator(new Random(Seed));
        var random = new Random(Seed);
        foreach (var seed in corpus)
        {
            Execute(run, seed, seen);
        }
        var seedEdges = seen.Count(s => s);
        var clock = Stopwatch.StartNew();
        var inputs = 0;
        string? failure = null;
        while (inputs < MaxInputsPerTarget && clock.Elapsed < MaxTimePerTarget && failure is null)
        {
            var input = mutator.Mutate(corpus[random.Next(corpus.Count)], corpus[random.Next(corpus.Count)]);
            inputs++;
            try
            {
                if (Execute(run, input, seen))
                {
                    corpus.Add(input);
                }
            }
            catch (Exception e)
            {
                failure = $"{e.GetType().Name}: {e.Message} on input {Convert.ToHexString(input)}";
            }
        }
        var edges = seen.Count(s => s);
        TestContext.Out.WriteLine($"{target}: {inputs} inputs in {clock.Elapsed.TotalSeconds:F0} s, {edges} edges ({seedEdges} from the seeds), corpus {corpus.Count}, seed {Seed}");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure, Is.Null);
            // The instrumentation must be live, or this run fuzzed blind.
            Assert.That(edges, Is.GreaterThan(seedEdges));
        }
    }

    /// <summary>Runs one input; returns whether it reached an edge no earlier input reached.</summary>
    private static bool Execute(Action<byte[]> run, byte[] input, bool[] seen)
    {
        CoverageMap.Clear();
        run(input);
        return CoverageMap.MarkNew(seen);
    }

    private static string SharpFuzzTool()
    {
        var tools = Path.Combine(Path.GetTempPath(), "ehrchain-sharpfuzz-tool");
        var tool = Path.Combine(tools, OperatingSystem.IsWindows() ? "sharpfuzz.exe" : "sharpfuzz");
        if (!File.Exists(tool))
        {
            Run("dotnet", "tool", "install", "SharpFuzz.CommandLine", "--version", "2.3.0", "--tool-path", tools);
        }
        return tool;
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} exited {process.ExitCode}: {output.Result}{error}");
        }
    }

    /// <summary>Instrumented copies and everything they use from the build directory; SharpFuzz's trace map stays shared with this test.</summary>
    private sealed class InstrumentedContext(string directory) : AssemblyLoadContext("ehrchain-fuzz", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is "SharpFuzz.Common" or "SharpFuzz")
            {
                return null;
            }
            var path = Path.Combine(directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
