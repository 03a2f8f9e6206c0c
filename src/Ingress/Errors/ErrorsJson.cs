using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Errors;

[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(AnthropicErrorEnvelope))]
[JsonSerializable(typeof(ResponsesErrorEvent))]
internal sealed partial class ErrorsJson : JsonSerializerContext
{
    public static ErrorsJson Gateway { get; } = new(GatewayJson.Options());
}
