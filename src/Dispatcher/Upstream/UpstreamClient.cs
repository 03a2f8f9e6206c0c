using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using BrokerGateway.Dispatcher.Dialects;
using BrokerGateway.Dispatcher.Dialects.Anthropic;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace BrokerGateway.Dispatcher.Upstream;

/// <summary>
/// Calls one upstream: sends the request as the endpoint's dialect makes it (for OpenAI's, the
/// caller's body unchanged to <c>{url}/{route}</c> with the key as a bearer token) and reads the
/// answer back into OpenAI's shape, inside a Polly pipeline per endpoint — a circuit breaker around a timeout that is what is
/// left of the attempt. A POST is never retried here: whether to try another endpoint is the
/// ingress's decision. While an endpoint's circuit is open, attempts fail at once as unreachable,
/// without a call, and the ingress fails over.
/// </summary>
internal sealed class UpstreamClient(IHttpClientFactory clients, UpstreamDialects dialects, TimeProvider time, IOptions<DispatcherOptions> options)
{
    public const string HttpClientName = "upstream";

    /// <summary>
    /// The breaker opens when at least <c>DISPATCHER_BREAKER_FAILURE_RATIO</c> (half) of the calls
    /// of the last <c>DISPATCHER_BREAKER_SAMPLING_SECONDS</c> (30), and at least
    /// <c>DISPATCHER_BREAKER_MINIMUM_CALLS</c> (10) calls, failed (unreachable or 5xx); it stays open
    /// <c>DISPATCHER_BREAKER_BREAK_SECONDS</c> (15). Timeouts do not count: a caller can shorten its own
    /// deadline at will, so they say too little about the endpoint (the ingress's cooldown weighs
    /// only full attempt timeouts).
    /// </summary>
    private readonly CircuitBreakerStrategyOptions<Reply> _breaker = new()
    {
        FailureRatio = options.Value.BreakerFailureRatio,
        MinimumThroughput = options.Value.BreakerMinimumCalls,
        SamplingDuration = TimeSpan.FromSeconds(options.Value.BreakerSamplingSeconds),
        BreakDuration = TimeSpan.FromSeconds(options.Value.BreakerBreakSeconds),
        ShouldHandle = new PredicateBuilder<Reply>()
            .Handle<HttpRequestException>()
            .HandleResult(reply => reply.Status is 500 or 502 or 503 or 504 or AnthropicErrors.Overloaded),
    };

    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeout = new("brokergateway.attempt-timeout");
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private readonly ConcurrentDictionary<string, ResiliencePipeline<Reply>> _pipelines = new(StringComparer.Ordinal);

    /// <summary>What the upstream answered: a body read whole, or — for a stream it began — the open response.</summary>
    public readonly record struct Reply(int Status, string Body, int? RetryAfterSeconds, HttpResponseMessage? Events = null);

    private ResiliencePipeline<Reply> PipelineFor(string endpointId) =>
        _pipelines.GetOrAdd(endpointId, static (_, state) => new ResiliencePipelineBuilder<Reply> { TimeProvider = state.Time }
            .AddCircuitBreaker(state.Breaker)
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(AttemptTimeout, Timeout.InfiniteTimeSpan)),
            })
            .Build(), (Time: time, Breaker: _breaker));

    public async Task<CompletionResult> SendAsync(ManifestEntry entry, string apiKey, SubmitCompletion request, CancellationToken cancellationToken)
    {
        var (reply, failed) = await CallAsync(entry, apiKey, request, request.Body, stream: false, cancellationToken);
        return failed ?? Answered(dialects.For(entry), request, reply);
    }

    /// <summary>
    /// Opens a stream: the upstream's open event stream when it answered 2xx with
    /// <c>text/event-stream</c>, or the result that ends the attempt — a refusal, an error status,
    /// a failure to connect, or a plain answer from an upstream that does not stream. The breaker
    /// counts an opened stream as a success; what happens to it afterwards is the relay's business.
    /// </summary>
    public async Task<(HttpResponseMessage? Events, CompletionResult? Result)> OpenStreamAsync(
        ManifestEntry entry, string apiKey, SubmitCompletion request, string body, CancellationToken cancellationToken)
    {
        var (reply, failed) = await CallAsync(entry, apiKey, request, body, stream: true, cancellationToken);
        return failed is not null ? (null, failed)
            : reply.Events is not null ? (reply.Events, null)
            : (null, Answered(dialects.For(entry), request, reply));
    }

    private async Task<(Reply Reply, CompletionResult? Failed)> CallAsync(
        ManifestEntry entry, string apiKey, SubmitCompletion request, string body, bool stream, CancellationToken cancellationToken)
    {
        var remaining = request.AttemptDeadline - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return (default, Failed(request, CompletionOutcome.TimedOut, "the attempt's deadline passed before the upstream was called"));
        }

        UpstreamCall prepared;
        try
        {
            prepared = dialects.For(entry).Prepare(entry, apiKey, request, body, stream);
        }
        catch (DialectRefusal refusal)
        {
            // Nothing to call: the caller's request cannot be said in the upstream's dialect.
            return (default, new CompletionResult(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, 400, refusal.Body(request.Route), null));
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeout, remaining);
        var call = new Call(clients.CreateClient(HttpClientName), prepared, stream);
        try
        {
            return (await PipelineFor(entry.EndpointId).ExecuteAsync(static (ctx, state) => state.SendAsync(ctx.CancellationToken), context, call), null);
        }
        catch (BrokenCircuitException)
        {
            return (default, Failed(request, CompletionOutcome.Unreachable, "the endpoint's circuit is open after repeated failures"));
        }
        catch (TimeoutRejectedException)
        {
            return (default, Failed(request, CompletionOutcome.TimedOut, $"the upstream did not answer within {remaining.TotalSeconds:0.###} s"));
        }
        catch (HttpRequestException ex)
        {
            return (default, Failed(request, CompletionOutcome.Unreachable, $"the upstream could not be reached ({ex.HttpRequestError})"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // SocketsHttpHandler's ConnectTimeout surfaces as a cancellation nobody asked for.
            return (default, Failed(request, CompletionOutcome.Unreachable, "connecting to the upstream timed out"));
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or InvalidDataException)
        {
            // An answer that cannot be read (unknown charset, broken compression) is a failed call.
            return (default, Failed(request, CompletionOutcome.Unreachable, $"the upstream's answer could not be read ({ex.GetType().Name})"));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>The upstream's answer in OpenAI's shape; one its dialect cannot read is a failed call, as a body that cannot be decoded is.</summary>
    private static CompletionResult Answered(IUpstreamDialect dialect, SubmitCompletion request, Reply reply) =>
        ReadAnswer(dialect, request, reply) is { } answer
            ? new(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, answer.Status, answer.Body, null, reply.RetryAfterSeconds)
            : Failed(request, CompletionOutcome.Unreachable, $"the upstream's answer (HTTP {reply.Status}) could not be read in its dialect");

    private static (int Status, string Body)? ReadAnswer(IUpstreamDialect dialect, SubmitCompletion request, Reply reply)
    {
        try
        {
            return dialect.ReadAnswer(request.Route, reply.Status, reply.Body);
        }
        catch (DialectRefusal)
        {
            // A string in the answer that is no valid Unicode: the answer cannot be read.
            return null;
        }
    }

    private static CompletionResult Failed(SubmitCompletion request, CompletionOutcome outcome, string detail) =>
        new(request.RequestId, request.Attempt, request.EndpointId, outcome, 0, string.Empty, detail);

    private sealed record Call(HttpClient Client, UpstreamCall Prepared, bool Stream)
    {
        public async ValueTask<Reply> SendAsync(CancellationToken cancellationToken)
        {
            using var message = new HttpRequestMessage(Prepared.Method, Prepared.Url)
            {
                Content = Prepared.Method == HttpMethod.Post ? new StringContent(Prepared.Body, Encoding.UTF8, Json) : null,
            };
            foreach (var (name, value) in Prepared.Headers)
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }

            if (Stream)
            {
                message.Headers.Accept.Add(EventStream);
            }

            CallSpanPropagation.Inject(message);
            var response = await Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (Stream && response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == EventStream.MediaType)
            {
                // Handed over open: the relay reads it event by event and disposes of it.
                return new Reply((int)response.StatusCode, string.Empty, null, response);
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                return new Reply((int)response.StatusCode, body, RetryAfterSeconds(response));
            }
        }

        // Never the headers: the key is among them.
        public override string ToString() => $"Call({Prepared.Url.Host})";

        private static int? RetryAfterSeconds(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            return delay is { } d ? (int)Math.Clamp(Math.Ceiling(d.TotalSeconds), 0, 3600) : null;
        }
    }
}
