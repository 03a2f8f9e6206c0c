using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace BrokerGateway.Ingress.Dashboard;

/// <summary>
/// The dashboard's page, script, style sheet and the charting library (Chart.js, vendored with its
/// licence), compiled into the ingress: served from memory with a strong ETag, nothing fetched from
/// elsewhere, so a centre that runs the gateway offline has its dashboard too.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> Types = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, Asset> All = Load();

    /// <summary>The asset at <paramref name="name"/> (e.g. <c>dashboard.js</c>, <c>vendor/chart.umd.min.js</c>), if there is one.</summary>
    public static Asset? Find(string name) => All.GetValueOrDefault(name);

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource[Prefix.Length..];
            var type = Types.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
            assets[name] = new Asset(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    internal sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
