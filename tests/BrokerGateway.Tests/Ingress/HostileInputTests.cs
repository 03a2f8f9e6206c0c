using System.Net;
using System.Text.RegularExpressions;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;

namespace BrokerGateway.Tests.Ingress;

/// <summary>
/// The standalone ingress as its own OS process (so its real Kestrel and its real log lines are
/// what is tested) against callers who break the rules or simply leave: malformed chunked framing,
/// bodies too slow, clients that go away mid-body, mid-answer and mid-stream. Each gets a 4xx in
/// OpenAI's shape or nothing (it is gone); the log holds at most one warning line for each
/// malformed request and nothing at error level, no stack trace.
/// </summary>
public sealed partial class HostileInputTests : IAsyncLifetime, IDisposable
{
    private const string Chat = """{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}""";
    private FakeUpstreamServer _upstream = null!;
    private TestManifest _manifest = null!;
    private ProcessGateway _gateway = null!;
    private RunningProcess _ingress = null!;

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        _manifest = new TestManifest(
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]),
            TestManifest.Entry("fake", _upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]));
        _gateway = new ProcessGateway(null, _manifest.Path);
        _ingress = _gateway.StartIngress(apiTokens: """{"fake-endpoint": "sk-hostile-test-key-0123"}""");
        await _gateway.WaitUntilServingAsync(_ingress.Url, "mock-gpt");
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFFFFF")]
    [InlineData("zz")]
    [InlineData("00000000000000000001")]
    public async Task AMalformedChunkSize_Is400InOpenAiShape_NotA500(string chunkSize)
    {
        var response = await RawHttp.ExchangeAsync(_ingress.Url, RawHttp.Head("/v1/chat/completions", "Transfer-Encoding: chunked") + chunkSize + "\r\n{\"model\":\"x\"}\r\n0\r\n\r\n");

        Assert.Equal(400, RawHttp.Status(response));
        Assert.Contains("\"error\":{", response, StringComparison.Ordinal);
        Assert.DoesNotContain("internal_error", response, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ABodySentTooSlowly_Is408_AndTheGatewayKeepsServing()
    {
        // Kestrel's minimum body rate is 240 bytes/s after a 5 s grace; this sends 10 bytes a second.
        var body = new string(' ', 400) + Chat;
        var response = await RawHttp.TrickleAsync(
            _ingress.Url, RawHttp.Head("/v1/chat/completions", $"Content-Length: {body.Length}"), body, 10, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        Assert.Equal(408, RawHttp.Status(response));
        Assert.Contains("request_timeout", response, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ClientsThatGoAway_MidBodyMidAnswerAndMidStream_AreNoErrors()
    {
        await RawHttp.AbandonAsync(_ingress.Url, RawHttp.Head("/v1/chat/completions", "Content-Length: 5000"), "{\"model\":\"mock-gpt\",");
        await RawHttp.AbandonAsync(_ingress.Url, RawHttp.Head("/v1/chat/completions", "Transfer-Encoding: chunked"), "40\r\n{\"model\":");

        using var client = ProcessGateway.Client(_ingress.Url);
        using (var leaving = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PostAsync(
                "/v1/chat/completions", Json.Body("""{"model":"fake-model","messages":[{"role":"user","content":"slow"}],"fake":{"delay_ms":3000}}"""), leaving.Token));
        }

        using (var stream = await client.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json.Body("""{"model":"fake-model","stream":true,"messages":[{"role":"user","content":"s"}],"fake":{"chunks":50,"chunk_delay_ms":50}}"""),
            },
            HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);
        }

        await _upstream.WaitForAsync(r => r.Body.Contains("\"stream\":true", StringComparison.Ordinal) && r.Aborted, TimeSpan.FromSeconds(10));
        await AssertStillServingAsync();
        var log = await StopAndReadLogAsync();
        Assert.DoesNotMatch(ErrorLine(), log);
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
        Assert.DoesNotContain("unhandled exception", log, StringComparison.OrdinalIgnoreCase);

        // Leaving is no malformed request: not even a warning.
        Assert.DoesNotContain("refused with", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedRequests_LeaveOneWarningLineEach_AndNothingAtErrorLevel()
    {
        for (var i = 0; i < 3; i++)
        {
            await RawHttp.ExchangeAsync(_ingress.Url, RawHttp.Head("/v1/chat/completions", "Transfer-Encoding: chunked") + "FFFFFFFFFFFFFFFFFFF\r\nxx\r\n0\r\n\r\n");
        }

        await AssertStillServingAsync();
        var log = await StopAndReadLogAsync();

        Assert.Equal(3, Regex.Count(log, "WRN\\].*Request body from 127.0.0.1 refused with 400"));
        Assert.DoesNotMatch(ErrorLine(), log);
        Assert.DoesNotContain("   at ", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACleanStartAndStop_LogsNoErrorOrWarning()
    {
        using var client = ProcessGateway.Client(_ingress.Url);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json.Body(Chat))).StatusCode);

        var log = await StopAndReadLogAsync();

        Assert.DoesNotMatch(new Regex(@"\[\d\d:\d\d:\d\d (WRN|ERR|FTL)\]"), log);
        Assert.Contains("Application is shutting down", log, StringComparison.Ordinal);
    }

    private async Task AssertStillServingAsync()
    {
        using var client = ProcessGateway.Client(_ingress.Url);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", Json.Body(Chat))).StatusCode);
    }

    private async Task<string> StopAndReadLogAsync()
    {
        _ingress.Process.Terminate();
        Assert.Equal(0, await _ingress.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        return _ingress.Process.Output + _ingress.Process.Error;
    }

    [GeneratedRegex(@"\[\d\d:\d\d:\d\d (ERR|FTL)\]")]
    private static partial Regex ErrorLine();

    public Task DisposeAsync() => _upstream.DisposeAsync().AsTask();

    public void Dispose()
    {
        _gateway.Dispose();
        _manifest.Dispose();
    }
}
