using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.FakeUpstream;

/// <summary>
/// One of the gateway's services (or the fake upstream) run as its own OS process from its build
/// output, with an environment the caller sets: nothing is inherited that could change its
/// configuration. Shared by the tests and the benchmark.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    /// <summary>What a started process inherits: the basics, and the runtime's switches that let <c>perf</c> name its JIT-compiled frames.</summary>
    private static readonly string[] Inherited = ["PATH", "HOME", "DOTNET_ROOT", "TMPDIR", "LANG", "DOTNET_PerfMapEnabled", "DOTNET_EnableWriteXorExecute"];
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    private ServiceProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>The project this process runs.</summary>
    public string Name { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>The resident memory of the process now, in MiB.</summary>
    public double ResidentMegabytes
    {
        get
        {
            _process.Refresh();
            return _process.WorkingSet64 / (1024.0 * 1024.0);
        }
    }

    /// <summary>
    /// Starts <c>dotnet BrokerGateway.{project}.dll</c> from <c>{folder}/{project}/bin</c> of the same
    /// configuration as the calling program (<c>src</c> for the services, <c>tests</c> for the fake upstream).
    /// </summary>
    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment, string folder = "src", params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet", [AssemblyPath(folder, project), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.Environment.Clear();
        foreach (var name in Inherited)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                info.Environment[name] = value;
            }
        }

        // Many dispatchers and watchers run at once in the tests and the benchmark: each one's
        // /metrics and /health listener takes any free port unless the caller names one.
        info.Environment["DISPATCHER_METRICS_PORT"] = "0";
        info.Environment["WATCHER_METRICS_PORT"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var started = new ServiceProcess(process, project);
        process.OutputDataReceived += (_, e) => Append(started._output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(started._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The most resident memory the process has had since it started (Linux's VmHWM), in MiB; 0 where it cannot be read.</summary>
    public double PeakResidentMegabytes
    {
        get
        {
            try
            {
                var line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                return line is null ? 0 : double.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), System.Globalization.CultureInfo.InvariantCulture) / 1024;
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }

    /// <summary>The CPU time the process has used since it started (user and system).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>Whether the process was stopped or killed by its owner (so that its exit is no failure).</summary>
    public bool StoppedOnPurpose { get; private set; }

    /// <summary>Asks the process to stop, as an orchestrator does (SIGTERM): a graceful stop.</summary>
    public void Terminate()
    {
        StoppedOnPurpose = true;
        if (!_process.HasExited && kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed ({System.Runtime.InteropServices.Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Kills the process at once (SIGKILL): no goodbye, no drain, its connections simply drop.</summary>
    public void KillHard()
    {
        StoppedOnPurpose = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit(10_000);
        }
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string AssemblyPath(string folder, string project)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent!.Name;
        var root = output;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "BrokerGateway.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root!.FullName, folder, project, "bin", configuration, output.Name, $"BrokerGateway.{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing");
    }

    private static void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
