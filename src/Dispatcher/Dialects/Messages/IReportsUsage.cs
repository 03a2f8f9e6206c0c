namespace BrokerGateway.Dispatcher.Dialects.Messages;

/// <summary>An event source that reads the stream's usage on the way (its events are not OpenAI's, so the relay cannot): <c>{"usage": …}</c>, or null.</summary>
internal interface IReportsUsage
{
    string? Usage { get; }
}
