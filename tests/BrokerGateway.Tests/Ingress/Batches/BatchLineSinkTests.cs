using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Batches;
using BrokerGateway.Ingress.Errors;
using BrokerGateway.Ingress.Limits;
using BrokerGateway.Ingress.Routing;
using BrokerGateway.Tests.Ingress.Pipeline;

namespace BrokerGateway.Tests.Ingress.Batches;

/// <summary>A batch line's retry rules, through the pipeline with a scripted router: what becomes the line's result, what is tried again and when, what is recorded.</summary>
public class BatchLineSinkTests
{
    private static readonly BatchLine Line = new(3, "req-3", "gpt-test", """{"model":"gpt-test"}""");
    private readonly PipelineFixture _fixture = new();

    private async Task<BatchLineSink> RunAsync(int upstreamRetries = 0)
    {
        var pipeline = _fixture.Build();
        var request = _fixture.Request(policy: RequestPolicy.Batch) with { BatchId = "batch_1" };
        var sink = new BatchLineSink(Line, request.RequestId, upstreamRetries);
        await pipeline.RunAsync(request, sink, CancellationToken.None);
        return sink;
    }

    private void Answers(int status, string body, int? retryAfterSeconds = null) =>
        _fixture.Router.Answer = (route, _) => Task.FromResult(new RoutedAnswer(
            new CompletionResult(route.RequestId, 1, "endpoint-a", CompletionOutcome.Answered, status, body, null, retryAfterSeconds), null, "endpoint-a", 1));

    [Fact]
    public async Task AnUpstreamAnswer_IsTheLinesResult_AndRecordedWithTheBatch()
    {
        Answers(200, PipelineFixture.WithUsage(2, 3));

        var sink = await RunAsync();

        Assert.Equal((3, 200), (sink.Result!.Number, sink.Result.StatusCode));
        Assert.Equal(PipelineFixture.WithUsage(2, 3), sink.Result.Response);
        var row = Assert.Single(_fixture.Rows());
        Assert.Equal(("batch_1", 200, 5), (row.BatchId, row.Status, row.TotalTokens));
        Assert.Equal(RequestPolicy.Batch, Assert.Single(_fixture.Router.Routed).Policy);
    }

    [Fact]
    public async Task ARefusalThatIsNotJson_IsWrappedInAnErrorObject()
    {
        Answers(400, "bad request, plainly");

        var sink = await RunAsync();

        Assert.Equal(400, sink.Result!.StatusCode);
        Assert.Equal("""{"error":{"message":"bad request, plainly","type":"upstream_error","param":null,"code":null}}""", sink.Result.Response);
    }

    [Fact]
    public async Task APassingUpstreamRefusal_IsRecorded_AndTriedAgainWithBackoff_UntilTheRetriesAreUsedUp()
    {
        Answers(429, """{"error":{"message":"slow down"}}""");

        var early = await RunAsync(upstreamRetries: 2);

        Assert.Null(early.Result);
        Assert.True(early.RefusedForNow);
        Assert.Equal(TimeSpan.FromSeconds(8), early.RetryAfter);
        Assert.Equal(429, Assert.Single(_fixture.Rows()).Status);

        var last = await RunAsync(upstreamRetries: BatchLineExecutor.MaxUpstreamRetries);

        Assert.Equal(429, last.Result!.StatusCode);
        Assert.False(last.RefusedForNow);
    }

    [Fact]
    public async Task AnUpstreamsRetryAfter_IsHonoured()
    {
        Answers(503, """{"error":{"message":"overloaded"}}""", retryAfterSeconds: 30);

        var sink = await RunAsync();

        Assert.Equal(TimeSpan.FromSeconds(30), sink.RetryAfter);
    }

    [Fact]
    public async Task ARateLimit_IsTriedAgainWhenItsWindowResets_WithoutARow()
    {
        _fixture.RateLimits.Users["ada"] = new RateLimit { RequestsPerMinute = 1 };
        Answers(200, PipelineFixture.WithUsage(1, 1));
        await RunAsync();
        _fixture.Rows();

        var sink = await RunAsync();

        Assert.Null(sink.Result);
        Assert.False(sink.RefusedForNow);

        // The fixture's clock stands 30 s into its minute.
        Assert.Equal(TimeSpan.FromSeconds(30), sink.RetryAfter);
        Assert.Empty(_fixture.Rows());
    }

    [Fact]
    public async Task NoEndpointUp_OrNoAnswerFromOne_IsTriedAgainSoon_WithoutARow()
    {
        _fixture.Selector.Decision = RouteDecision.Refuse(ApiErrors.NoHealthyEndpoint("gpt-test", 120));
        var unroutable = await RunAsync();

        _fixture.Selector.Decision = RouteDecision.To([]);
        _fixture.Router.Answer = (route, _) => Task.FromResult(new RoutedAnswer(
            new CompletionResult(route.RequestId, 1, "endpoint-a", CompletionOutcome.TimedOut, 0, "", "no answer"), null, "endpoint-a", 1));
        var timedOut = await RunAsync();

        Assert.Equal((null, TimeSpan.FromSeconds(5)), (unroutable.Result, unroutable.RetryAfter));
        Assert.Equal((null, TimeSpan.FromSeconds(2)), (timedOut.Result, timedOut.RetryAfter));
        Assert.Empty(_fixture.Rows());
    }

    [Fact]
    public async Task AnUnknownModel_OrASpentBudget_FailsTheLine_AndIsRecorded()
    {
        _fixture.Selector.Decision = RouteDecision.Refuse(ApiErrors.ModelNotFound("gpt-test", ["other"]));
        var unknown = await RunAsync();

        _fixture.Budgets.Users["ada"] = new Budget { TokensPerDay = 10 };
        _fixture.Used[CallerScopes.UserKey("ada")] = 10;
        var spent = await RunAsync();

        Assert.Null(unknown.Result!.StatusCode);
        Assert.Contains("model_not_found", unknown.Result.Error, StringComparison.Ordinal);
        Assert.Contains("insufficient_quota", spent.Result!.Error, StringComparison.Ordinal);
        Assert.Equal([404, 429], _fixture.Rows().Select(r => r.Status));
    }
}
