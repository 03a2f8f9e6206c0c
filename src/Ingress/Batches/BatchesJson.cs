using System.Text.Json;
using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Batches;

[JsonSerializable(typeof(BatchObject))]
[JsonSerializable(typeof(BatchList))]
[JsonSerializable(typeof(BatchErrorList))]
[JsonSerializable(typeof(BatchOutputLine))]
[JsonSerializable(typeof(LineError))]
internal sealed partial class BatchesJson : JsonSerializerContext
{
    public static BatchesJson Gateway { get; } = new(GatewayJson.Options());

    /// <summary>JSON kept as text (a batch's metadata, a line's stored body), to be written as it is.</summary>
    public static JsonElement? Parse(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
