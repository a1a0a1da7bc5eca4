using System.Reflection;
using System.Xml.Linq;
using EhrChain.Client;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Client;

/// <summary>
/// EhrChain.Client is what a .NET service takes to talk to a network: it must not drag the node
/// in. Checked twice, because either alone can miss it: the project file (what is declared, even
/// if no code uses it yet) and the compiled assembly's references followed transitively (what
/// the code really needs, including through Core).
/// </summary>
public sealed class ClientDependencyTests
{
    private static readonly string[] Forbidden =
    [
        "EhrChain.Storage", "EhrChain.Contracts", "EhrChain.Consensus", "EhrChain.Node", "EhrChain.Fhir", "EhrChain.Cli", "EhrChain.Bench",
        "Microsoft.AspNetCore", "Grpc.AspNetCore", "Prometheus", "prometheus-net", "RocksDbSharp", "RocksDB",
    ];

    [Test]
    public void The_client_project_references_only_core_and_client_packages()
    {
        var project = XDocument.Load(Path.Combine(RepositoryFiles.Root(), "EhrChain.Client", "EhrChain.Client.csproj"));
        var projects = project.Descendants("ProjectReference").Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!)).ToList();
        var packages = project.Descendants("PackageReference").Select(r => (string)r.Attribute("Include")!).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(projects, Is.EqualTo(new[] { "EhrChain.Core" }));
            Assert.That(packages, Is.SubsetOf(new[] { "Google.Protobuf", "Grpc.Net.Client", "Grpc.StatusProto", "Grpc.Tools" }));
        }
    }

    [Test]
    public void The_client_assembly_needs_nothing_of_the_node()
    {
        var needed = ReferencedClosure(typeof(EhrClient).Assembly);

        Assert.That(needed.Where(name => Forbidden.Any(f => name.StartsWith(f, StringComparison.OrdinalIgnoreCase))), Is.Empty,
            $"EhrChain.Client needs: {string.Join(", ", needed.Order(StringComparer.Ordinal))}");
        Assert.That(needed, Does.Contain("EhrChain.Core"));
    }

    // Every assembly reachable from the root's references, framework assemblies included (they
    // load from the shared runtime); one that cannot be loaded is still named, so it is checked.
    private static SortedSet<string> ReferencedClosure(Assembly root)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is not { } name || !seen.Add(name))
                {
                    continue;
                }
                try
                {
                    pending.Push(Assembly.Load(reference));
                }
                catch (FileNotFoundException)
                {
                    // Named but absent from the test's output: its name has been checked all the same.
                }
            }
        }
        return seen;
    }
}
