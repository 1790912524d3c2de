using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>The collector as its own OS process, so tests can kill -9 it.</summary>
internal sealed partial class CollectorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CollectorProcess(Process process, int grpcPort, int httpPort)
    {
        _process = process;
        GrpcUri = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpUri = new Uri($"http://127.0.0.1:{httpPort}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

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

    public static Task<CollectorProcess> StartAsync(string dataDir, params string[] extraArgs) =>
        StartAsync(dataDir, FreePort.Next(), FreePort.Next(), extraArgs);

    /// <summary>Starts on given ports, so a restarted collector is found where its peers expect it.</summary>
    public static async Task<CollectorProcess> StartAsync(string dataDir, int grpcPort, int httpPort, params string[] extraArgs)
    {
        Assert.True(File.Exists(RepoPaths.CollectorDll), $"build the collector first: {RepoPaths.CollectorDll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.CollectorDll)!,
        };
        foreach (var arg in new[] { RepoPaths.CollectorDll, "--grpc-url", $"http://127.0.0.1:{grpcPort}", "--http-url", $"http://127.0.0.1:{httpPort}", "--data-dir", dataDir }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var collector = new CollectorProcess(Process.Start(start)!, grpcPort, httpPort);
        await collector.WaitHealthyAsync();
        return collector;
    }

    /// <summary>GET /healthcheck as JSON.</summary>
    public async Task<JsonElement> HealthAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var text = await http.GetStringAsync(new Uri(HttpUri, "/healthcheck"));
        return JsonDocument.Parse(text).RootElement.Clone();
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

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the collector ends its streams and commits the log.</summary>
    public async Task StopAsync()
    {
        Assert.Equal(0, SendSignal(_process.Id, 15));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, "collector exited during start:\n" + Output);
            try
            {
                using var response = await http.GetAsync(new Uri(HttpUri, "/healthcheck"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("collector did not become healthy in 60 s:\n" + Output);
    }
}
