using System.Text.Json;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>A manifest file in a temporary folder, which a test can rewrite while the watcher polls it.</summary>
public sealed class TestManifest : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bg-manifest-").FullName;

    public TestManifest(params object[] entries)
    {
        Path = System.IO.Path.Combine(_folder, "status.json");
        if (entries.Length > 0)
        {
            Write(entries);
        }
    }

    public string Path { get; }

    /// <summary>One manifest entry with the seed's six fields.</summary>
    public static object Entry(string name, string url, string endpointId, string[] experts, string status = "Live", double weight = 1, string[]? allowedGroups = null, bool? streamUsage = null, int? maxConcurrency = null)
    {
        var entry = new Dictionary<string, object> { ["name"] = name, ["status"] = status, ["model"] = name, ["description"] = $"{name} for tests", ["experts"] = experts, ["url"] = url, ["endpoint_id"] = endpointId, ["weight"] = weight };
        if (allowedGroups is not null)
        {
            entry["allowed_groups"] = allowedGroups;
        }

        if (streamUsage is { } usage)
        {
            entry["stream_usage"] = usage;
        }

        if (maxConcurrency is { } limit)
        {
            entry["max_concurrency"] = limit;
        }

        return entry;
    }

    public void Write(params object[] entries)
    {
        var document = entries.Cast<Dictionary<string, object>>().ToDictionary(
            e => (string)e["name"],
            e => e.Where(kv => kv.Key != "name").ToDictionary(kv => kv.Key, kv => kv.Value));
        WriteRaw(JsonSerializer.Serialize(document));
    }

    public void WriteRaw(string json)
    {
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, json);
        File.Move(temporary, Path, overwrite: true);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
