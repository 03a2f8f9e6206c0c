namespace BrokerGateway.FakeUpstream;

/// <summary>
/// <c>dotnet run --project tests/FakeUpstream -- --urls http://127.0.0.1:9100 [--no-record] [--fail-every N] [--delay-ms N]</c>:
/// serves until stopped; with <c>--anthropic</c>, Anthropic's Messages API instead (<see cref="FakeAnthropicServer"/>);
/// with <c>--otlp-sink</c>, a sink for OpenTelemetry's exports (<see cref="OtlpSink"/>).
/// </summary>
public sealed class Program
{
    public static async Task Main(string[] args)
    {
        var url = args.SkipWhile(a => a != "--urls").Skip(1).FirstOrDefault() ?? "http://127.0.0.1:9100";
        if (args.Contains("--otlp-sink"))
        {
            await using var sink = await OtlpSink.StartAsync(url);
            await Console.Out.WriteLineAsync($"OTLP sink listening on {url}");
            var done = new TaskCompletionSource();
            using var stoppingSink = sink.Stopping.Register(done.SetResult);
            await done.Task;
            return;
        }

        if (args.Contains("--anthropic"))
        {
            await using var anthropic = await FakeAnthropicServer.StartNewAsync(url, record: !args.Contains("--no-record"));
            await Console.Out.WriteLineAsync($"fake Anthropic upstream listening on {anthropic.BaseUrl}");
            var stopped = new TaskCompletionSource();
            using var stopping = anthropic.Stopping.Register(stopped.SetResult);
            await stopped.Task;
            return;
        }

        await using var server = await FakeUpstreamServer.StartAsync(url, record: !args.Contains("--no-record"));
        if (args.SkipWhile(a => a != "--fail-every").Skip(1).FirstOrDefault() is { } every)
        {
            server.Behavior = server.Behavior with { FailEvery = int.Parse(every, System.Globalization.CultureInfo.InvariantCulture) };
        }

        if (args.SkipWhile(a => a != "--delay-ms").Skip(1).FirstOrDefault() is { } delay)
        {
            // An upstream that takes this long for every answer, as an LLM does.
            server.Behavior = server.Behavior with { Delay = TimeSpan.FromMilliseconds(int.Parse(delay, System.Globalization.CultureInfo.InvariantCulture)) };
        }

        if (args.SkipWhile(a => a != "--max-concurrency").Skip(1).FirstOrDefault() is { } most)
        {
            // An upstream that works on at most this many at once (a GPU server's batch); the rest wait their turn.
            server.MaxConcurrency = int.Parse(most, System.Globalization.CultureInfo.InvariantCulture);
        }

        await Console.Out.WriteLineAsync($"fake upstream listening on {server.BaseUrl}");
        var stop = new TaskCompletionSource();
        using var registration = server.Stopping.Register(stop.SetResult);
        await stop.Task;
    }
}
