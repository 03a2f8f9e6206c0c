using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Routing;

[JsonSerializable(typeof(EndpointsApi.EndpointList))]
internal sealed partial class RoutingJson : JsonSerializerContext
{
    public static RoutingJson Gateway { get; } = new(GatewayJson.Options());
}
