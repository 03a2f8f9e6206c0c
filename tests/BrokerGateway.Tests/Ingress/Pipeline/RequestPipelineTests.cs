using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Auth;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Pipeline;
using BrokerGateway.Ingress.Routing;

namespace BrokerGateway.Tests.Ingress.Pipeline;

/// <summary>The pipeline's steps, their order and their accounting, with a fake clock and a scripted router: no host, no broker.</summary>
public class RequestPipelineTests
{
    private readonly PipelineFixture _fixture = new();

    private static CallerIdentity Ada => new("ada", ["lab"], "jwt");

    [Fact]
    public async Task BudgetComesFirst_ARequestRefusedForItsBudgetUsesNoRateLimit()
    {
        _fixture.Budgets.Users["ada"] = new Budget { TokensPerDay = 1000 };
        _fixture.Used[CallerScopes.UserKey("ada")] = 1000;
        _fixture.RateLimits.Users["ada"] = new RateLimit { RequestsPerMinute = 1 };
        var pipeline = _fixture.Build();
        var sink = new RecordingSink();

        await pipeline.RunAsync(_fixture.Request(), sink, CancellationToken.None);

        Assert.Equal(["refused at Budget: insufficient_quota"], sink.Events);
        Assert.Equal(0, _fixture.Selector.Asked);
        var row = Assert.Single(_fixture.Rows());
        Assert.Equal(429, row.Status);
        Assert.Null(row.EndpointId);
        Assert.Equal(0, row.Attempts);

        // The one request a minute the rate limit allows is still there.
        var lease = await _fixture.Limiter.AcquireAsync(Ada, 1, CancellationToken.None);
        Assert.Null(lease.Error);
    }

    [Fact]
    public async Task RateLimitComesBeforeSelection_AndIsRecorded()
    {
        _fixture.RateLimits.Users["ada"] = new RateLimit { RequestsPerMinute = 1 };
        var pipeline = _fixture.Build();
        _fixture.Router.Answer = (r, _) => Task.FromResult(new RoutedAnswer(PipelineFixture.Answered(_fixture.Request(), 200, PipelineFixture.WithUsage(3, 4)), null, "endpoint-a", 1));
        await pipeline.RunAsync(_fixture.Request(), new RecordingSink(), CancellationToken.None);
        _fixture.Rows();
        var sink = new RecordingSink();

        await pipeline.RunAsync(_fixture.Request(), sink, CancellationToken.None);

        Assert.Equal(["rate-limited", "refused at RateLimit: rate_limit_exceeded"], sink.Events);
        Assert.Equal(1, _fixture.Selector.Asked);
        Assert.Equal(429, Assert.Single(_fixture.Rows()).Status);
    }

    [Fact]
    public async Task FairShare_TheRequestCarriesItsAccountsPlaceInLine_AndWhatItUsedIsChargedToIt()
    {
        _fixture.FairShareOn = true;
        _fixture.FairShare.Shares["lab"] = 1;
        _fixture.FairShare.Shares["other"] = 1;
        var pipeline = _fixture.Build();
        var state = _fixture.FairShareState!;
        var request = _fixture.Request();
        _fixture.Router.Answer = (_, _) => Task.FromResult(new RoutedAnswer(PipelineFixture.Answered(request, 200, PipelineFixture.WithUsage(30, 70)), null, "endpoint-a", 1));

        await pipeline.RunAsync(request, new RecordingSink(), CancellationToken.None);
        var standing = await state.RefreshAsync(CancellationToken.None);
        await pipeline.RunAsync(_fixture.Request() with { RequestId = Guid.NewGuid() }, new RecordingSink(), CancellationToken.None);

        // Nothing used yet: first in line. Then 100 tokens charged to 'lab' put it behind 'other'.
        Assert.Equal([10, standing.PriorityOf("lab", "ada")], _fixture.Router.Routed.Select(r => (int)r.Priority!.Value));
        Assert.True(standing.PriorityOf("lab", "ada") < standing.PriorityOf("other", "olaf"));
        Assert.Equal(100, standing.Find("lab")!.Usage);
        Assert.All(_fixture.Rows(), row => Assert.Equal("lab", row.Account));
    }

    [Fact]
    public async Task FairShare_WhileARequestWaits_ItsEstimateCounts_ThenWhatItUsedInstead()
    {
        _fixture.FairShareOn = true;
        var pipeline = _fixture.Build();
        var state = _fixture.FairShareState!;
        var request = _fixture.Request(bodyBytes: 400);
        var answer = new TaskCompletionSource<RoutedAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _fixture.Router.Answer = (_, _) => answer.Task;

        var running = pipeline.RunAsync(request, new RecordingSink(), CancellationToken.None);
        var waiting = await state.RefreshAsync(CancellationToken.None);
        answer.SetResult(new RoutedAnswer(PipelineFixture.Answered(request, 200, PipelineFixture.WithUsage(3, 4)), null, "endpoint-a", 1));
        await running;
        var done = await state.RefreshAsync(CancellationToken.None);

        // 400 bytes: the rate limiter's estimate, 100 tokens, while it waited; then the 7 the upstream reported.
        Assert.Equal(100, waiting.Find("lab")!.Usage, 6);
        Assert.Equal(7, done.Find("lab")!.Usage, 6);
    }

    [Fact]
    public async Task FairShare_NothingServed_TheEstimateIsTakenBack()
    {
        _fixture.FairShareOn = true;
        var pipeline = _fixture.Build();
        var request = _fixture.Request();
        _fixture.Router.Answer = (_, _) => Task.FromResult(new RoutedAnswer(null, ApiErrors.BrokerUnavailable(), "endpoint-a", 1));

        await pipeline.RunAsync(request, new RecordingSink(), CancellationToken.None);
        var standing = await _fixture.FairShareState!.RefreshAsync(CancellationToken.None);

        Assert.Null(standing.Find("lab"));
    }

    [Fact]
    public async Task FairShare_AnAccountNotTheCallers_IsRefusedBeforeAnythingIsCounted()
    {
        var pipeline = _fixture.Build();
        var sink = new RecordingSink();

        await pipeline.RunAsync(_fixture.Request() with { RequestedAccount = "not-mine" }, sink, CancellationToken.None);

        Assert.Equal(["refused at Validation: account_not_allowed"], sink.Events);
        Assert.Equal(0, _fixture.Selector.Asked);
        Assert.Equal(403, Assert.Single(_fixture.Rows()).Status);
    }

    [Fact]
    public async Task TheEstimateIsReplacedByTheTokensTheUpstreamReported()
    {
        _fixture.RateLimits.Users["ada"] = new RateLimit { TokensPerMinute = 1000 };
        var pipeline = _fixture.Build();
        var request = _fixture.Request(bodyBytes: 400);
        _fixture.Router.Answer = (_, _) => Task.FromResult(new RoutedAnswer(PipelineFixture.Answered(request, 200, PipelineFixture.WithUsage(3, 4)), null, "endpoint-a", 1));
        var sink = new RecordingSink();

        await pipeline.RunAsync(request, sink, CancellationToken.None);

        // While routing, the request counted for its estimate: 400 bytes, 100 tokens.
        Assert.Equal(1000 - 100, sink.Lease!.Tokens!.Value.Remaining);
        var next = await _fixture.Limiter.AcquireAsync(Ada, 1, CancellationToken.None);
        Assert.Equal(1000 - 7 - 1, next.Tokens!.Value.Remaining);
    }

    [Theory]
    [InlineData("selection")]
    [InlineData("routing")]
    public async Task NothingServed_GivesTheEstimateBack(string failsAt)
    {
        _fixture.RateLimits.Users["ada"] = new RateLimit { TokensPerMinute = 1000 };
        var pipeline = _fixture.Build();
        if (failsAt == "selection")
        {
            _fixture.Selector.Decision = RouteDecision.Refuse(ApiErrors.NoHealthyEndpoint("gpt-test", 3));
        }
        else
        {
            _fixture.Router.Answer = (_, _) => Task.FromResult(new RoutedAnswer(null, ApiErrors.BrokerUnavailable(), null, 1));
        }

        await pipeline.RunAsync(_fixture.Request(bodyBytes: 400), new RecordingSink(), CancellationToken.None);

        var next = await _fixture.Limiter.AcquireAsync(Ada, 1, CancellationToken.None);
        Assert.Equal(1000 - 1, next.Tokens!.Value.Remaining);
        Assert.Equal(503, Assert.Single(_fixture.Rows()).Status);
    }

    [Fact]
    public async Task TheUsageRowSaysWhoWhatWhereAndHowLong()
    {
        var pipeline = _fixture.Build();
        var request = _fixture.Request() with { BatchId = "batch_1" };
        _fixture.Router.Answer = async (_, _) =>
        {
            _fixture.Time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
            return new RoutedAnswer(PipelineFixture.Answered(request, 200, PipelineFixture.WithUsage(3, 4)), null, "endpoint-b", 2) { QueueMilliseconds = 40 };
        };
        var sink = new RecordingSink();

        await pipeline.RunAsync(request, sink, CancellationToken.None);

        Assert.Equal(["admitted", "routing", "answered 200"], sink.Events);
        var row = Assert.Single(_fixture.Rows());
        Assert.Equal(request.RequestId, row.RequestId);
        Assert.Equal(("ada", "gpt-test", "chat/completions", "endpoint-b"), (row.User, row.Model, row.Route, row.EndpointId));
        Assert.Equal(["lab"], row.Groups);
        Assert.Equal((200, 3, 4, 7, 2), (row.Status, row.PromptTokens, row.CompletionTokens, row.TotalTokens, row.Attempts));
        Assert.Equal(250, row.TotalMilliseconds, precision: 0);
        Assert.Equal(12.5, row.UpstreamMilliseconds);
        Assert.Equal(_fixture.Time.GetUtcNow(), row.Time);
        Assert.Equal("batch_1", row.BatchId);
        Assert.False(row.Streamed);
        var routed = Assert.Single(_fixture.Router.Routed);
        Assert.Equal((request.RequestId, RequestPolicy.Interactive, TimeSpan.FromSeconds(30)), (routed.RequestId, routed.Policy, routed.Timeout));
    }

    [Fact]
    public async Task ACallerWhoLeavesWhileRouting_IsRecordedAs499_AndTheRunEndsWithIt()
    {
        var pipeline = _fixture.Build();
        using var left = new CancellationTokenSource();
        _fixture.Router.Answer = async (_, token) =>
        {
            await left.CancelAsync();
            token.ThrowIfCancellationRequested();
            throw new InvalidOperationException("unreachable");
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(_fixture.Request(), new RecordingSink(), left.Token));

        var row = Assert.Single(_fixture.Rows());
        Assert.Equal((499, 0), (row.Status, row.TotalTokens));
    }

    [Fact]
    public async Task AReplicaThatStopsServing_EndsTheRequestWithGatewayStopping()
    {
        var pipeline = _fixture.Build();
        using var stopping = new CancellationTokenSource();
        _fixture.Router.Answer = async (_, token) =>
        {
            await stopping.CancelAsync();
            token.ThrowIfCancellationRequested();
            throw new InvalidOperationException("unreachable");
        };
        var sink = new RecordingSink();

        await pipeline.RunAsync(_fixture.Request(), sink, CancellationToken.None, stopping.Token);

        Assert.Equal("refused at Routing: gateway_stopping", sink.Events[^1]);
        Assert.Equal(503, Assert.Single(_fixture.Rows()).Status);
    }

    [Fact]
    public async Task AStreamThatEndsEarly_CountsThePromptEstimateAndTheEventsTheCallerGot()
    {
        _fixture.RateLimits.Users["ada"] = new RateLimit { TokensPerMinute = 1000 };
        var pipeline = _fixture.Build();
        var request = _fixture.Request(bodyBytes: 400, stream: true);
        Func<int>? ended = null;
        _fixture.Router.Answer = (route, _) =>
        {
            var (answer, count) = ScriptedRouter.Begun(route, events: 9);
            ended = count;
            return Task.FromResult(answer);
        };
        using var left = new CancellationTokenSource();
        var sink = new RecordingSink
        {
            Relay = async (_, callerGone) =>
            {
                await left.CancelAsync();
                callerGone.ThrowIfCancellationRequested();
                throw new InvalidOperationException("unreachable");
            },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.RunAsync(request, sink, left.Token));

        Assert.Equal(1, ended!());
        var row = Assert.Single(_fixture.Rows());
        Assert.Equal((499, 100, 9, 109), (row.Status, row.PromptTokens, row.CompletionTokens, row.TotalTokens));
        Assert.True(row.Streamed);
        Assert.Equal(1000 - 109 - 1, (await _fixture.Limiter.AcquireAsync(Ada, 1, CancellationToken.None)).Tokens!.Value.Remaining);
    }

    [Fact]
    public async Task AStreamThatEndsWithTheUpstreamsUsage_CountsThatAndTheSinksStatus()
    {
        var pipeline = _fixture.Build();
        var request = _fixture.Request(stream: true);
        _fixture.Router.Answer = (route, _) => Task.FromResult(ScriptedRouter.Begun(route, events: 2).Answer);
        var sink = new RecordingSink
        {
            Relay = (stream, _) =>
            {
                var end = PipelineFixture.Answered(request, 200, PipelineFixture.WithUsage(5, 6)) with { UpstreamMilliseconds = 900 };
                stream.Buffer.Finish(end);
                return Task.FromResult(new StreamOutcome(502, end));
            },
        };

        await pipeline.RunAsync(request, sink, CancellationToken.None);

        var row = Assert.Single(_fixture.Rows());
        Assert.Equal((502, 5, 6, 11, 900.0), (row.Status, row.PromptTokens, row.CompletionTokens, row.TotalTokens, row.UpstreamMilliseconds));
    }

    [Fact]
    public async Task ASinkThatRecordsNothing_LeavesNoRow()
    {
        var pipeline = _fixture.Build();
        _fixture.Selector.Decision = RouteDecision.Refuse(ApiErrors.NoHealthyEndpoint("gpt-test", 3));
        var sink = new SilentSink();

        await pipeline.RunAsync(_fixture.Request(policy: RequestPolicy.Batch), sink, CancellationToken.None);

        Assert.Equal(RequestStep.Selection, sink.RefusedAt);
        Assert.Empty(_fixture.Rows());
    }

    private sealed class SilentSink : IRequestSink
    {
        public RequestStep? RefusedAt { get; private set; }

        public void RateLimited(RateLease lease)
        {
        }

        public ValueTask<int?> RefuseAsync(RequestStep step, ApiError error, RoutedAnswer? routed)
        {
            RefusedAt = step;
            return ValueTask.FromResult<int?>(null);
        }

        public Task<RoutedAnswer> AwaitRoutingAsync(Task<RoutedAnswer> routing, CancellationToken cancellationToken) => routing;

        public ValueTask<int?> AnswerAsync(RoutedAnswer routed, CompletionResult result) => ValueTask.FromResult<int?>(null);

        public Task<StreamOutcome> RelayAsync(RoutedAnswer routed, RoutedStream stream, DateTimeOffset deadline, CancellationToken ending, CancellationToken callerGone) =>
            throw new InvalidOperationException();
    }

    [Fact]
    public async Task AStoredResponse_IsRemembered_AndItsFollowUpsGoToItsEndpoint_WithoutCountingItsUsageAgain()
    {
        var pipeline = _fixture.Build();
        const string Stored = """{"id":"resp_9","object":"response","store":true,"usage":{"input_tokens":30,"output_tokens":10,"total_tokens":40}}""";
        _fixture.Router.Answer = (r, _) => Task.FromResult(new RoutedAnswer(PipelineFixture.Answered(_fixture.Request(), 200, Stored), null, "endpoint-a", 1));
        await pipeline.RunAsync(_fixture.Request() with { Route = UpstreamRoute.Responses }, new RecordingSink(), CancellationToken.None);
        var fetch = _fixture.Request() with { Model = string.Empty, Route = UpstreamRoute.ResponseRetrieve, ContinuesResponse = "resp_9", Target = "resp_9" };

        await pipeline.RunAsync(fetch, new RecordingSink(), CancellationToken.None);
        await pipeline.RunAsync(fetch with { RequestId = Guid.NewGuid(), Route = UpstreamRoute.ResponseDelete }, new RecordingSink(), CancellationToken.None);

        Assert.Equal(("endpoint-a", "gpt-test"), _fixture.Selector.Holder);
        Assert.Equal("resp_9", _fixture.Router.Routed[1].Target);
        Assert.Equal([40, 0, 0], _fixture.Rows().Select(r => r.TotalTokens));
        Assert.Empty(_fixture.Responses.Held);
    }

    [Fact]
    public async Task AResponseNotStored_OrSomeoneElses_CannotBeContinued()
    {
        var pipeline = _fixture.Build();
        _fixture.Router.Answer = (r, _) => Task.FromResult(new RoutedAnswer(PipelineFixture.Answered(_fixture.Request(), 200, """{"id":"resp_1","object":"response","store":false}"""), null, "endpoint-a", 1));
        await pipeline.RunAsync(_fixture.Request() with { Route = UpstreamRoute.Responses }, new RecordingSink(), CancellationToken.None);
        _fixture.Responses.Held[("grace", "resp_2")] = new ResponseOrigin("endpoint-b", "gpt-test");
        var sink = new RecordingSink();
        var other = new RecordingSink();

        await pipeline.RunAsync(_fixture.Request() with { Route = UpstreamRoute.Responses, ContinuesResponse = "resp_1" }, sink, CancellationToken.None);
        await pipeline.RunAsync(_fixture.Request() with { Route = UpstreamRoute.ResponseRetrieve, ContinuesResponse = "resp_2" }, other, CancellationToken.None);

        Assert.Equal(["admitted", "refused at Selection: previous_response_not_found"], sink.Events);
        Assert.Equal(["admitted", "refused at Selection: response_not_found"], other.Events);
        Assert.Single(_fixture.Router.Routed);
    }
}
