using BrokerGateway.Contracts.Messages;
using BrokerGateway.Ingress.Errors;

namespace BrokerGateway.Tests.Ingress;

public class ApiErrorsTests
{
    [Theory]
    [InlineData(CompletionOutcome.Unreachable, 0, 502, "upstream_unreachable")]
    [InlineData(CompletionOutcome.TimedOut, 0, 504, "upstream_timeout")]
    [InlineData(CompletionOutcome.NotServed, 0, 503, "no_dispatcher")]
    [InlineData(CompletionOutcome.Answered, 500, 502, "upstream_error")]
    [InlineData(CompletionOutcome.Answered, 503, 502, "upstream_error")]
    [InlineData(CompletionOutcome.Answered, 302, 502, "upstream_error")]
    [InlineData(CompletionOutcome.Answered, 401, 502, "upstream_auth_failed")]
    [InlineData(CompletionOutcome.Answered, 403, 502, "upstream_auth_failed")]
    [InlineData(CompletionOutcome.Answered, 404, 404, "upstream_error")]
    [InlineData(CompletionOutcome.Answered, 422, 422, "upstream_error")]
    public void FromResult_MapsEachOutcomeToItsStatus(CompletionOutcome outcome, int upstreamStatus, int status, string code)
    {
        var error = ApiErrors.FromResult(new CompletionResult(Guid.NewGuid(), 1, "e", outcome, upstreamStatus, "<html>oops</html>", "detail"));

        Assert.Equal(status, error.Status);
        Assert.Equal(code, error.Code);
        Assert.Contains("'e'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotServed_TellsTheCallerToRetryLater()
    {
        var error = ApiErrors.FromResult(new CompletionResult(Guid.NewGuid(), 1, "e", CompletionOutcome.NotServed, 0, "", "no key"));

        Assert.NotNull(error.RetryAfterSeconds);
    }

    [Fact]
    public void UpstreamRefusedTheGatewaysKey_TheUpstreamsMessageIsNotPassedOn()
    {
        var error = ApiErrors.FromResult(new CompletionResult(Guid.NewGuid(), 1, "e", CompletionOutcome.Answered, 401,
            """{"error":{"message":"Incorrect API key provided: sk-proj-****abcd"}}""", null));

        Assert.DoesNotContain("sk-proj", error.Message, StringComparison.Ordinal);
    }
}
