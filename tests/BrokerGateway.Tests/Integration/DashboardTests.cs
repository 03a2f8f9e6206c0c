using System.Net;
using System.Text.Json;
using BrokerGateway.FakeUpstream;
using BrokerGateway.Tests.Infrastructure;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace BrokerGateway.Tests.Integration;

/// <summary>
/// The operators' dashboard on a standalone gateway serving real traffic: its data for admins
/// only, and the page in a real headless Chromium — signing in with a token, every manifest entry
/// listed, the charts drawn from the hour's requests, a batch in progress with its bar, no console
/// error — and a token that is not an admin's refused.
/// </summary>
public sealed class DashboardTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string AdminGroup = "ops";
    private FakeUpstreamServer _upstream = null!;
    private TestManifest _manifest = null!;
    private RunningIngress _gateway = null!;

    private static string AdminToken => TestTokens.Issue("olga", groups: [AdminGroup]);

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstreamServer.StartAsync();
        _manifest = new TestManifest(
            TestManifest.Entry("mock-echo", "mock://echo", "mock-echo", ["mock-gpt"]),
            TestManifest.Entry("fake", _upstream.BaseUrl.ToString(), "fake-endpoint", ["fake-model"]),
            TestManifest.Entry("offline", "http://127.0.0.1:9/v1", "offline-endpoint", ["offline-model"], status: "Offline"));
        _gateway = await GatewayHosts.StartIngressAsync(new Dictionary<string, string?>(TestTokens.Configuration)
        {
            ["METIS_STATUS_URL"] = _manifest.Path,
            ["METIS_API_TOKENS"] = """{"fake-endpoint": "sk-dashboard-upstream-0123456789"}""",
            ["Auth:AdminGroups"] = AdminGroup,
        });
        await DistributedStack.UntilConsumingAsync(_gateway.CreateClient(AdminToken), 2);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    public void Dispose() => _manifest.Dispose();

    private static StringContent Chat(string model, string extra = "") =>
        Json.Body($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hello"}]{{extra}}}""");

    /// <summary>Some traffic of two users: answered requests on two models, and one the upstream refuses (400).</summary>
    private async Task SendTrafficAsync()
    {
        using var alice = _gateway.CreateClient(TestTokens.Issue("alice", groups: ["physics"]));
        using var bob = _gateway.CreateClient(TestTokens.Issue("bob", groups: ["chemistry"]));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync("/v1/chat/completions", Chat("mock-gpt"))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsync("/v1/chat/completions", Chat("fake-model"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsync("/v1/chat/completions", Chat("fake-model", ""","fake":{"status":400}"""))).StatusCode);
    }

    /// <summary>A batch of six lines, three answered at once and three that take a minute: it stays in progress at 3 of 6.</summary>
    private async Task<string> StartSlowBatchAsync()
    {
        using var client = _gateway.CreateClient(TestTokens.Issue("alice", groups: ["physics"]));
        string Line(int i, int delayMs) => JsonSerializer.Serialize(new
        {
            custom_id = $"line-{i}",
            method = "POST",
            url = "/v1/chat/completions",
            body = new { model = "fake-model", messages = new[] { new { role = "user", content = "hi" } }, fake = new { delay_ms = delayMs } },
        });
        var batchId = await new BatchUser(client).StartAsync([Line(1, 0), Line(2, 0), Line(3, 0), Line(4, 60_000), Line(5, 60_000), Line(6, 60_000)]);
        await Eventually.Until(
            async () => (await new BatchUser(client).GetAsync(batchId)).GetProperty("request_counts").GetProperty("completed").GetInt32(),
            completed => completed == 3,
            TimeSpan.FromSeconds(30),
            "three of the batch's lines answered");
        return batchId;
    }

    [Fact]
    public async Task TheData_IsForAdminsOnly()
    {
        using var anonymous = _gateway.CreateClient();
        using var user = _gateway.CreateClient(TestTokens.Issue("alice", groups: ["physics"]));

        var noToken = await anonymous.GetAsync("/v1/dashboard");
        var notAdmin = await user.GetAsync("/v1/dashboard");

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, notAdmin.StatusCode);
        Assert.Equal("admin_only", (await Json.ReadAsync(notAdmin)).GetProperty("error").GetProperty("code").GetString());

        // The page itself holds no data: anyone may load it.
        var page = await anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheData_ShowsEveryEndpointTheHoursTrafficTokensAndBatches()
    {
        await SendTrafficAsync();
        var batchId = await StartSlowBatchAsync();
        using var admin = _gateway.CreateClient(AdminToken);

        // Usage records are written a moment after each answer, and the snapshot is read again every few seconds.
        var snapshot = await Eventually.Until(
            async () => await Json.ReadAsync(await admin.GetAsync("/v1/dashboard")),
            s => s.GetProperty("traffic").GetProperty("models").EnumerateArray().Any(m => m.GetProperty("model").GetString() == "fake-model"
                && m.GetProperty("requests").EnumerateArray().Sum(r => r.GetInt64()) == 2),
            TimeSpan.FromSeconds(30),
            "the traffic recorded");

        var endpoints = snapshot.GetProperty("endpoints").EnumerateArray().ToDictionary(e => e.GetProperty("endpoint_id").GetString()!);
        Assert.Equal(["fake-endpoint", "mock-echo", "offline-endpoint"], endpoints.Keys.Order());
        Assert.Equal(("Offline", 0), (endpoints["offline-endpoint"].GetProperty("status").GetString(), endpoints["offline-endpoint"].GetProperty("dispatchers").GetInt32()));
        Assert.True(endpoints["fake-endpoint"].GetProperty("dispatcher_consuming").GetBoolean());

        var models = snapshot.GetProperty("traffic").GetProperty("models").EnumerateArray().ToDictionary(m => m.GetProperty("model").GetString()!);
        Assert.Equal(3, models["mock-gpt"].GetProperty("requests").EnumerateArray().Sum(r => r.GetInt64()));

        // Bob's two requests: one answered, one refused by the upstream — and no batch line counted as interactive.
        var fake = models["fake-model"];
        Assert.Equal(1, fake.GetProperty("client_errors").EnumerateArray().Sum(r => r.GetInt64()));
        Assert.Contains(fake.GetProperty("p50_ms").EnumerateArray(), p => p.ValueKind == JsonValueKind.Number);

        var users = snapshot.GetProperty("tokens").GetProperty("users").EnumerateArray().Select(u => u.GetProperty("name").GetString()).ToList();
        Assert.Contains("alice", users);
        Assert.Contains("bob", users);
        Assert.Contains(snapshot.GetProperty("tokens").GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "physics" && g.GetProperty("today").GetInt64() > 0);

        var batch = Assert.Single(snapshot.GetProperty("batches").EnumerateArray());
        Assert.Equal((batchId, "in_progress", 6, 3), (batch.GetProperty("id").GetString(), batch.GetProperty("status").GetString(), batch.GetProperty("total").GetInt32(), batch.GetProperty("completed").GetInt32()));
    }

    [SkippableFact]
    public async Task ThePage_InAHeadlessBrowser_SignsInAndDrawsWhatTheGatewaySees()
    {
        await SendTrafficAsync();
        var batchId = await StartSlowBatchAsync();
        using var chromium = HeadlessChromium.Start();
        var page = chromium.WebDriver;
        var token = AdminToken;

        page.Navigate().GoToUrl(new Uri(_gateway.Address, "/dashboard"));
        chromium.Until(d => d.FindElement(By.Id("token")).Displayed, "the sign-in form");
        page.FindElement(By.Id("token")).SendKeys(token);
        page.FindElement(By.CssSelector("#token-form button[type=submit]")).Click();
        chromium.Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-state") == "ready", "the dashboard shown");

        // Every manifest entry, with its status.
        var rows = chromium.Until(
            d => d.FindElements(By.CssSelector("#endpoints tbody tr[data-endpoint]")) is { Count: 3 } found ? found : null,
            "three endpoint rows")!;
        Assert.Equal(["fake-endpoint", "mock-echo", "offline-endpoint"], rows.Select(r => r.GetAttribute("data-endpoint")).Order());
        Assert.Contains("Offline", rows.Single(r => r.GetAttribute("data-endpoint") == "offline-endpoint").Text, StringComparison.Ordinal);

        // The charts drawn from the recorded traffic (the page reads it again every 10 s until it is there).
        var datasets = chromium.Until(
            d => ((IJavaScriptExecutor)d).ExecuteScript("""
                const counts = ['chart-requests', 'chart-errors', 'chart-latency'].map((id) => {
                  const chart = Chart.getChart(document.getElementById(id));
                  return chart ? chart.data.datasets.filter((s) => s.data.some((v) => v > 0)).length : 0;
                });
                return counts.every((n) => n > 0) ? counts.join(',') : null;
                """) as string,
            "all three charts drawn with data",
            TimeSpan.FromSeconds(40));
        output.WriteLine($"datasets with data per chart: {datasets}");
        var painted = (bool)((IJavaScriptExecutor)page).ExecuteScript("""
            const canvas = document.getElementById('chart-requests');
            const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
            return false;
            """)!;
        Assert.True(painted, "the requests chart has pixels drawn");

        // Tokens per user and the batch's progress bar.
        chromium.Until(d => d.FindElement(By.Id("tokens-users")).Text.Contains("alice", StringComparison.Ordinal), "alice's tokens");
        var bar = chromium.Until(d => d.FindElement(By.CssSelector($"#batches tr[data-batch='{batchId}'] [role=progressbar]")), "the batch's progress bar");
        Assert.Equal(("3", "6"), (bar.GetAttribute("aria-valuenow"), bar.GetAttribute("aria-valuemax")));

        // The token went in a header, never into the address; nothing went wrong in the console.
        Assert.DoesNotContain(token, page.Url, StringComparison.Ordinal);
        Assert.Empty(chromium.ConsoleEntries());
        SaveScreenshot(page);

        // Another token, not an admin's: refused, and the dashboard is gone.
        page.FindElement(By.Id("sign-out")).Click();
        chromium.Until(d => d.FindElement(By.Id("token")).Displayed, "the sign-in form again");
        page.FindElement(By.Id("token")).SendKeys(TestTokens.Issue("alice", groups: ["physics"]));
        page.FindElement(By.CssSelector("#token-form button[type=submit]")).Click();
        chromium.Until(d => d.FindElement(By.TagName("body")).GetAttribute("data-state") == "refused", "the refusal shown");
        Assert.Contains("admin", page.FindElement(By.Id("sign-in-error")).Text, StringComparison.Ordinal);
        Assert.False(page.FindElement(By.Id("dashboard")).Displayed);
    }

    /// <summary>The page as the test saw it, for the README (to the path in <c>BROKERGATEWAY_DASHBOARD_SCREENSHOT</c>, else a temporary file).</summary>
    private static void SaveScreenshot(IWebDriver page)
    {
        var path = Environment.GetEnvironmentVariable("BROKERGATEWAY_DASHBOARD_SCREENSHOT") is { Length: > 0 } given
            ? given
            : Path.Combine(Path.GetTempPath(), "brokergateway-dashboard.png");
        ((ITakesScreenshot)page).GetScreenshot().SaveAsFile(path);
    }
}
