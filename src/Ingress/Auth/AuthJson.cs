using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Auth;

[JsonSerializable(typeof(WhoAmIApi.Identity))]
internal sealed partial class AuthJson : JsonSerializerContext
{
    public static AuthJson Gateway { get; } = new(GatewayJson.Options());
}
