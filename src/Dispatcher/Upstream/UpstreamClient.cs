using System.Net.Http.Headers;
using System.Text;
using BrokerGateway.Contracts.Manifest;
using BrokerGateway.Contracts.Messages;
using Polly;
using Polly.Timeout;

namespace BrokerGateway.Dispatcher.Upstream;

/// <summary>
/// Calls one upstream: POSTs the caller's body unchanged to <c>{url}/{route}</c> with the endpoint's
/// key, inside a Polly pipeline whose timeout is what is left of the request's deadline. A POST is
/// never retried here: whether to try another endpoint is the ingress's decision.
/// </summary>
public sealed class UpstreamClient
{
    public const string HttpClientName = "upstream";
    private static readonly ResiliencePropertyKey<TimeSpan> AttemptTimeout = new("brokergateway.attempt-timeout");
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly IHttpClientFactory _clients;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _pipeline;

    public UpstreamClient(IHttpClientFactory clients, TimeProvider time)
    {
        _clients = clients;
        _time = time;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(AttemptTimeout, Timeout.InfiniteTimeSpan)),
            })
            .Build();
    }

    public async Task<CompletionResult> SendAsync(ManifestEntry entry, string apiKey, SubmitCompletion request, CancellationToken cancellationToken)
    {
        var remaining = request.AttemptDeadline - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return Failed(request, CompletionOutcome.TimedOut, "the attempt's deadline passed before the upstream was called");
        }

        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptTimeout, remaining);
        var call = new Call(_clients.CreateClient(HttpClientName), new Uri($"{entry.Url}/{UpstreamPaths.For(request.Route)}"), apiKey, request.Body);
        try
        {
            var (status, body, retryAfter) = await _pipeline.ExecuteAsync(static (ctx, state) => state.SendAsync(ctx.CancellationToken), context, call);
            return new CompletionResult(request.RequestId, request.Attempt, request.EndpointId, CompletionOutcome.Answered, status, body, null, retryAfter);
        }
        catch (TimeoutRejectedException)
        {
            return Failed(request, CompletionOutcome.TimedOut, $"the upstream did not answer within {remaining.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            return Failed(request, CompletionOutcome.Unreachable, $"the upstream could not be reached ({ex.HttpRequestError})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // SocketsHttpHandler's ConnectTimeout surfaces as a cancellation nobody asked for.
            return Failed(request, CompletionOutcome.Unreachable, "connecting to the upstream timed out");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static CompletionResult Failed(SubmitCompletion request, CompletionOutcome outcome, string detail) =>
        new(request.RequestId, request.Attempt, request.EndpointId, outcome, 0, string.Empty, detail);

    private sealed record Call(HttpClient Client, Uri Url, string ApiKey, string Body)
    {
        public async ValueTask<(int Status, string Body, int? RetryAfterSeconds)> SendAsync(CancellationToken cancellationToken)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, Url)
            {
                Content = new StringContent(Body, Encoding.UTF8, Json),
            };
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            using var response = await Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return ((int)response.StatusCode, body, RetryAfterSeconds(response));
        }

        public override string ToString() => $"Call({Url.Host})";

        private static int? RetryAfterSeconds(HttpResponseMessage response)
        {
            var header = response.Headers.RetryAfter;
            var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
            return delay is { } d ? (int)Math.Clamp(Math.Ceiling(d.TotalSeconds), 0, 3600) : null;
        }
    }
}
