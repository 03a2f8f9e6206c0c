using System.Diagnostics;
using System.Text;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>Runs a command as root (directly when the tests run as root, else through sudo), as test.sh starts the RabbitMQ nodes.</summary>
public static class RootCommand
{
    /// <summary>What the command printed; throws, with its output, if it fails or takes longer than two minutes.</summary>
    public static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var root = Environment.UserName == "root";
        List<string> command = root ? [] : [program];
        command.AddRange(arguments);
        var info = new ProcessStartInfo(root ? program : "sudo", command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") + ":/usr/sbin";
        using var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }

        return await output;
    }
}
