using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Usage;

[JsonSerializable(typeof(UsageApi.UsageReport))]
internal sealed partial class UsageJson : JsonSerializerContext
{
    public static UsageJson Gateway { get; } = new(GatewayJson.Options());
}
