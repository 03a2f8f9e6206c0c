using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Ingress.Files;

[JsonSerializable(typeof(FileObject))]
[JsonSerializable(typeof(FileList))]
[JsonSerializable(typeof(FileDeleted))]
internal sealed partial class FilesJson : JsonSerializerContext
{
    public static FilesJson Gateway { get; } = new(GatewayJson.Options());
}
