using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Dashboard;

[JsonSerializable(typeof(DashboardSnapshot))]
internal sealed partial class DashboardJson : JsonSerializerContext
{
    public static DashboardJson Gateway { get; } = new(GatewayJson.Options());
}
