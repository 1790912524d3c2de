using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Collector.Bench.Drain;

/// <summary>A collector process started from the built Collector.dll, on loopback ports of its own.</summary>
internal sealed class CollectorNode : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;

    private CollectorNode(Process process, int grpcPort, int httpPort)
    {
        _process = process;
        GrpcUri = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpUri = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<CollectorNode> StartAsync(string collectorDll, string dataDir, int grpcPort, params string[] args)
    {
        var httpPort = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { collectorDll, "--data-dir", dataDir, "--grpc-url", $"http://127.0.0.1:{grpcPort}", "--http-url", $"http://127.0.0.1:{httpPort}" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new CollectorNode(process, grpcPort, httpPort);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                await node.HealthAsync();
                return node;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }

        lock (output)
        {
            throw new InvalidOperationException($"collector on {dataDir} did not start:\n{output}");
        }
    }

    public async Task<JsonElement> HealthAsync()
    {
        var text = await Http.GetStringAsync(new Uri(HttpUri, "/healthcheck"));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>SIGTERM and wait: the log is committed when this returns.</summary>
    public async Task StopAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
        await _process.WaitForExitAsync();
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
}
