using System.Text.Encodings.Web;
using System.Text.Json;

namespace BrokerGateway.Hosting.Json;

/// <summary>
/// How the gateway writes its own JSON, in every service: System.Text.Json with a source-generated
/// context per feature (no reflection), the web defaults, and only what JSON itself requires
/// escaped — an error message quoting a caller's <c>'</c> or <c>&lt;</c> stays readable. Each
/// feature's context is made once with these options.
/// </summary>
public static class GatewayJson
{
    /// <summary>
    /// Deeper than what JSON from outside may be (64, <see cref="System.Text.Json.JsonDocument"/>'s
    /// limit): an upstream body kept as a <see cref="JsonElement"/> inside one of the gateway's own
    /// objects (a batch's output line) must still be writable.
    /// </summary>
    public const int MaxDepth = 128;

    public static JsonSerializerOptions Options() => new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = MaxDepth };
}
