using System.Text.Json.Serialization;
using BrokerGateway.Hosting.Json;

namespace BrokerGateway.Dispatcher.Mock;

[JsonSerializable(typeof(MockChatCompletion))]
[JsonSerializable(typeof(MockTextCompletion))]
[JsonSerializable(typeof(MockEmbeddingList))]
[JsonSerializable(typeof(MockChunk))]
[JsonSerializable(typeof(MockError))]
internal sealed partial class MockJson : JsonSerializerContext
{
    public static MockJson Gateway { get; } = new(GatewayJson.Options());
}
