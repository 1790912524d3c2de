using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>The collector as its own OS process, so tests can kill -9 it.</summary>
internal sealed partial class CollectorProcess : IDisposable
{
    private readonly ChildProcess _child;

    private CollectorProcess(ChildProcess child, int grpcPort, int httpPort)
    {
        _child = child;
        GrpcUri = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpUri = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public string Output => _child.Output;

    public int ProcessId => _child.Process.Id;

    /// <summary>Whether the process has ended (a crash, when nothing stopped it).</summary>
    public bool HasExited => _child.Process.HasExited;

    /// <summary>CPU time the process has used so far (user and system): how hard it works while a test watches it.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _child.Process.Refresh();
            return _child.Process.TotalProcessorTime;
        }
    }

    public static Task<CollectorProcess> StartAsync(string dataDir, params string[] extraArgs) =>
        StartAsync(dataDir, FreePort.Next(), FreePort.Next(), extraArgs);

    /// <summary>Starts on given ports, so a restarted collector is found where its peers expect it.</summary>
    public static Task<CollectorProcess> StartAsync(string dataDir, int grpcPort, int httpPort, params string[] extraArgs) =>
        StartAsync(dataDir, grpcPort, httpPort, new Dictionary<string, string>(), extraArgs);

    /// <summary>Starts with extra environment variables (Collector__ApiKeys__0__Key=..., settings that are no flags).</summary>
    public static Task<CollectorProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        StartAsync(dataDir, FreePort.Next(), FreePort.Next(), environment, extraArgs);

    public static async Task<CollectorProcess> StartAsync(string dataDir, int grpcPort, int httpPort, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var collector = Launch(dataDir, grpcPort, httpPort, environment, extraArgs);
        await collector.WaitUntilHealthyAsync();
        return collector;
    }

    /// <summary>Starts the process on new ports and returns at once, before it answers (a test that kills it during its start).</summary>
    public static CollectorProcess Launch(string dataDir, params string[] extraArgs) =>
        Launch(dataDir, FreePort.Next(), FreePort.Next(), new Dictionary<string, string>(), extraArgs);

    /// <summary>Starts the process and returns at once, before it answers.</summary>
    public static CollectorProcess Launch(string dataDir, int grpcPort, int httpPort, IReadOnlyDictionary<string, string> environment, params string[] extraArgs)
    {
        var start = StartInfo(environment, new[] { "--grpc-url", $"http://127.0.0.1:{grpcPort}", "--http-url", $"http://127.0.0.1:{httpPort}", "--data-dir", dataDir }.Concat(extraArgs));
        return new CollectorProcess(new ChildProcess(start), grpcPort, httpPort);
    }

    /// <summary>Waits until /healthcheck answers 2xx; fails with the output if the process exits first or takes over 60 s.</summary>
    public Task WaitUntilHealthyAsync() => _child.WaitForHttpAsync(new Uri(HttpUri, "/healthcheck"), TimeSpan.FromSeconds(60), "collector");

    public int ExitCode => _child.Process.ExitCode;

    /// <summary>
    /// Starts a collector that may refuse to start (a damaged data dir): the running collector once it answers, or
    /// null with its exit code and output once it has exited.
    /// </summary>
    public static async Task<(CollectorProcess? Collector, int ExitCode, string Output)> StartOrExitAsync(string dataDir, params string[] extraArgs)
    {
        var (grpcPort, httpPort) = (FreePort.Next(), FreePort.Next());
        var start = StartInfo(new Dictionary<string, string>(), new[] { "--grpc-url", $"http://127.0.0.1:{grpcPort}", "--http-url", $"http://127.0.0.1:{httpPort}", "--data-dir", dataDir }.Concat(extraArgs));
        var collector = new CollectorProcess(new ChildProcess(start), grpcPort, httpPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (collector._child.Process.HasExited)
            {
                await collector._child.Process.WaitForExitAsync();
                var exited = (collector._child.Process.ExitCode, collector.Output);
                collector.Dispose();
                return (null, exited.ExitCode, exited.Output);
            }

            try
            {
                using var response = await http.GetAsync(new Uri(collector.HttpUri, "/healthcheck"));
                if (response.IsSuccessStatusCode)
                {
                    return (collector, 0, collector.Output);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not answering yet.
            }

            await Task.Delay(100);
        }

        var output = collector.Output;
        collector.Dispose();
        Assert.Fail($"the collector neither answered nor exited in 60 s:\n{output}");
        return (null, -1, output);
    }

    /// <summary>Runs the collector with exactly <paramref name="args"/> until it exits (a start-up that must fail).</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var child = new ChildProcess(StartInfo(environment, args));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await child.Process.WaitForExitAsync(timeout.Token);
        return (child.Process.ExitCode, child.Output);
    }

    /// <summary>GET /healthcheck as JSON, whether it answers 200 (healthy) or 503 (unhealthy, with the reason).</summary>
    public async Task<JsonElement> HealthAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var response = await http.GetAsync(new Uri(HttpUri, "/healthcheck"));
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"/healthcheck answered {(int)response.StatusCode}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls /healthcheck until <paramref name="condition"/> holds; fails with the last answer after the timeout.</summary>
    public async Task<JsonElement> WaitForHealthAsync(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement last;
        do
        {
            last = await HealthAsync();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{what}: not reached in {timeout.TotalSeconds} s; last /healthcheck: {last}\n{Output}");
        return last;
    }

    /// <summary>Waits until the collector's output holds <paramref name="text"/> (it arrives through a pipe, a little after the fact).</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"'{text}' not in the collector's output after {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public Task KillAsync() => _child.KillAsync();

    /// <summary>SIGTERM: the collector ends its streams and commits the log.</summary>
    public async Task StopAsync()
    {
        Terminate();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _child.Process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, _child.Process.ExitCode);
    }

    /// <summary>SIGTERM without waiting: the shutdown is under way when this returns.</summary>
    public void Terminate() => Assert.Equal(0, SendSignal(_child.Process.Id, 15));

    /// <summary>SIGSTOP: the process stays, its sockets stay open, it answers nothing (a hung peer).</summary>
    public void Pause() => Assert.Equal(0, SendSignal(_child.Process.Id, 19));

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume() => Assert.Equal(0, SendSignal(_child.Process.Id, 18));

    public void Dispose() => _child.Dispose();

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, IEnumerable<string> args)
    {
        Assert.True(File.Exists(RepoPaths.CollectorDll), $"build the collector first: {RepoPaths.CollectorDll}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(RepoPaths.CollectorDll)! };
        start.ArgumentList.Add(RepoPaths.CollectorDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
