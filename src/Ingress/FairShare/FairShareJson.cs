using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.FairShare;

[JsonSerializable(typeof(FairShareApi.FairShareReport))]
internal sealed partial class FairShareJson : JsonSerializerContext
{
    public static FairShareJson Gateway { get; } = new(GatewayJson.Options());
}
