namespace EhrChain.Tests.Fuzz;

/// <summary>
/// A fast, seeded mutation run over every decoder target in the default test run: a few thousand
/// mutated inputs per target, each of which must be accepted or refused, never an exception. The
/// coverage-guided run of the same targets is the explicit CoverageGuidedFuzzTests.
/// </summary>
public sealed class DecoderMutationTests
{
    private const int Seed = 11_2026;
    private const int InputsPerTarget = 3000;
    private DecoderTargets _decoders = null!;

    private static IEnumerable<string> TargetNames()
    {
        using var decoders = new DecoderTargets();
        return [.. decoders.Targets.Keys];
    }

    [OneTimeSetUp]
    public void CreateTargets() => _decoders = new DecoderTargets();

    [OneTimeTearDown]
    public void DisposeTargets() => _decoders.Dispose();

    [TestCaseSource(nameof(TargetNames))]
    public void Mutated_input_is_accepted_or_refused_never_an_exception(string target)
    {
        var run = _decoders.Targets[target];
        var seeds = _decoders.Seeds[target];
        var mutator = new Mutator(new Random(Seed));
        var failures = new List<string>();
        var input = seeds[0];
        for (var i = 0; i < InputsPerTarget && failures.Count < 5; i++)
        {
            // Mostly mutate the last input (walks away from the seed), sometimes restart from a seed.
            var start = i % 10 == 0 ? seeds[i / 10 % seeds.Length] : input;
            input = mutator.Mutate(start, seeds[i % seeds.Length]);
            try
            {
                run(input);
            }
            catch (Exception e)
            {
                failures.Add($"input {i} (seed {Seed}), {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 48)))}…: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.That(failures, Is.Empty);
    }
}
