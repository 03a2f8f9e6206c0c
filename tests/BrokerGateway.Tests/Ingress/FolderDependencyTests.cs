using System.Text.RegularExpressions;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress;

/// <summary>
/// The ingress's feature folders import each other in one direction only: a newcomer can read
/// one without the rest, and a change to one cannot loop back into itself. Read from the sources:
/// a <c>using</c> of a folder's namespace, or a name qualified with it.
/// </summary>
public partial class FolderDependencyTests
{
    [Fact]
    public void NoTwoFoldersOfTheIngressImportEachOther()
    {
        var ingress = Path.Combine(Repository.Root, "src", "Ingress");
        var folders = Directory.GetDirectories(ingress)
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(ingress, name!), "*.cs", SearchOption.AllDirectories).Any())
            .Cast<string>()
            .ToHashSet(StringComparer.Ordinal);
        var imports = folders.ToDictionary(f => f, f => Imports(Path.Combine(ingress, f), f, folders), StringComparer.Ordinal);

        var cycles = imports
            .SelectMany(pair => pair.Value.Select(target => (From: pair.Key, To: target)))
            .Where(edge => Reaches(imports, edge.To, edge.From))
            .Select(edge => $"{edge.From} → {edge.To}")
            .ToList();

        Assert.True(cycles.Count == 0, "These imports close a cycle between folders: " + string.Join(", ", cycles));
        Assert.Contains("Pipeline", imports["Api"]);
        Assert.Contains("Routing", imports["Pipeline"]);
    }

    private static HashSet<string> Imports(string folder, string self, HashSet<string> folders)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            foreach (Match match in Reference().Matches(text))
            {
                var target = match.Groups["folder"].Value;
                if (target != self && folders.Contains(target))
                {
                    found.Add(target);
                }
            }
        }

        return found;
    }

    private static bool Reaches(Dictionary<string, HashSet<string>> imports, string from, string to)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var next = new Stack<string>([from]);
        while (next.TryPop(out var folder))
        {
            if (folder == to)
            {
                return true;
            }

            if (seen.Add(folder))
            {
                foreach (var target in imports[folder])
                {
                    next.Push(target);
                }
            }
        }

        return false;
    }

    /// <summary><c>using BrokerGateway.Ingress.X;</c>, <c>BrokerGateway.Ingress.X.Name</c>, or <c>X.Name</c> (which resolves inside the ingress's namespace).</summary>
    [GeneratedRegex(@"(?:BrokerGateway\.Ingress\.|(?<![\w.]))(?<folder>[A-Z]\w*)(?:;|\.[A-Z])")]
    private static partial Regex Reference();
}
