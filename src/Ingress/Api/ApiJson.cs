using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Api;

[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(TokenCount))]
internal sealed partial class ApiJson : JsonSerializerContext
{
    public static ApiJson Gateway { get; } = new(GatewayJson.Options());
}
