using System.Diagnostics;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// Runs a script of <c>tests/NodeClient</c> — the npm openai or @anthropic-ai/sdk package talking to the gateway — and
/// returns what it printed. Without Node.js or the installed package the test is skipped, unless
/// <c>BROKERGATEWAY_TESTS_REQUIRE_NODE</c> is set (test.sh sets it and installs both), in which case it fails.
/// </summary>
public static class NodeClient
{
    public const string RequireVariable = "BROKERGATEWAY_TESTS_REQUIRE_NODE";

    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var folder = Folder();
        var missing = folder is null ? "tests/NodeClient was not found"
            : !Directory.Exists(Path.Combine(folder, "node_modules", "openai")) || !Directory.Exists(Path.Combine(folder, "node_modules", "@anthropic-ai", "sdk"))
                ? "the npm openai and @anthropic-ai/sdk packages are not installed (npm ci --prefix tests/NodeClient)"
            : null;
        if (missing is not null)
        {
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            {
                throw new InvalidOperationException(missing);
            }

            Skip.If(true, missing + "; run ./test.sh, which installs it");
        }

        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} exited with {process.ExitCode}: {await error}");
        }

        return (await output).Trim();
    }

    private static string? Folder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "NodeClient");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        return null;
    }
}
