using BrokerGateway.Dispatcher.Streaming;

namespace BrokerGateway.Tests.Dispatcher.Dialects;

/// <summary>An upstream's stream as a list of event data, for the translators' unit tests.</summary>
internal sealed class ScriptedEvents(params string[] events) : IEventSource
{
    public async IAsyncEnumerable<string> ReadEventsAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await Task.Yield();
            yield return e;
        }
    }

    public void Dispose()
    {
    }
}
