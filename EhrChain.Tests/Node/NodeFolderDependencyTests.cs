using System.Text.RegularExpressions;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Node;

/// <summary>
/// The node's folders (one namespace each) form layers: a folder may use the folders below it,
/// never one that uses it back. A cycle is how Api, Admission, Chain and Peers once came to be
/// one knot that could only be read, changed and tested together.
/// </summary>
public sealed partial class NodeFolderDependencyTests
{
    [Test]
    public void No_folder_of_the_node_depends_on_itself_through_others()
    {
        var graph = FolderGraph();
        Assert.That(graph.Keys, Is.SupersetOf(new[] { "Api", "Admission", "Chain", "Peers", "Errors", "Hosting" }), "the scan found the folders");
        Assert.That(graph["Api"], Does.Contain("Admission"), "the scan sees a dependency that exists");

        var cycles = graph.Keys.Select(folder => CycleFrom(graph, folder)).Where(c => c is not null).Select(c => string.Join(" -> ", c!)).Distinct().ToList();

        Assert.That(cycles, Is.Empty);
    }

    [Test]
    public void The_cycle_check_finds_a_cycle_when_there_is_one()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };

        Assert.That(CycleFrom(graph, "D"), Is.EqualTo(new[] { "A", "B", "C", "A" }));
        Assert.That(CycleFrom(new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = [] }, "A"), Is.Null);
    }

    /// <summary>Which folders each folder's files name: by using directive, full name, or a name relative to EhrChain.Node.</summary>
    private static Dictionary<string, HashSet<string>> FolderGraph()
    {
        var root = Path.Combine(RepositoryFiles.Root(), "EhrChain.Node");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Select(f => f!).ToHashSet();
        var relative = new Regex($@"(?<![.\w])({string.Join('|', folders)})\.(?=[A-Z])");
        var graph = new Dictionary<string, HashSet<string>>();
        foreach (var folder in folders)
        {
            var uses = new HashSet<string>();
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                uses.UnionWith(FullName().Matches(text).Select(m => m.Groups[1].Value));
                uses.UnionWith(relative.Matches(text).Select(m => m.Groups[1].Value));
            }
            uses.IntersectWith(folders);
            uses.Remove(folder);
            graph[folder] = uses;
        }
        return graph;
    }

    /// <summary>A path from <paramref name="start"/> that returns to a folder on it, ending where the cycle closes; null when none does.</summary>
    private static List<string>? CycleFrom(Dictionary<string, HashSet<string>> graph, string start)
    {
        var path = new List<string>();
        var done = new HashSet<string>();
        List<string>? Visit(string folder)
        {
            var at = path.IndexOf(folder);
            if (at >= 0)
            {
                return [.. path[at..], folder];
            }
            if (!done.Add(folder))
            {
                return null;
            }
            path.Add(folder);
            foreach (var next in graph.TryGetValue(folder, out var uses) ? uses.Order() : Enumerable.Empty<string>())
            {
                if (Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return Visit(start);
    }

    [GeneratedRegex(@"EhrChain\.Node\.([A-Z]\w*)")]
    private static partial Regex FullName();
}
