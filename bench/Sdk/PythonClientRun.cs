using System.Diagnostics;
using System.Text.Json;

namespace Collector.Bench.Sdk;

/// <summary>
/// The Python grpcio client (tests/Interop/python/peer.py client-stream) sending the SDK's events. It serializes every
/// batch before its clock starts and times from opening the stream to the last Ack.
/// </summary>
internal static class PythonClientRun
{
    public const string Python = "/usr/bin/python3";

    public static async Task<double> RunAsync(string peerScript, Uri collector, string sourceId, int events, int batch)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in Arguments(peerScript, $"{collector.Host}:{collector.Port}", sourceId, events, batch))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (process.ExitCode != 0 || lines.Length == 0)
        {
            throw new InvalidOperationException($"peer.py exited with {process.ExitCode}:\n{await stderr}");
        }

        using var result = JsonDocument.Parse(lines[^1]);
        var root = result.RootElement;
        if (root.TryGetProperty("code", out var code) || root.GetProperty("accepted").GetInt64() != events)
        {
            throw new InvalidOperationException($"peer.py did not deliver {events} events ({code}): {lines[^1]}");
        }

        return root.GetProperty("elapsed_s").GetDouble();
    }

    /// <summary>The command line, for the record.</summary>
    public static string[] Arguments(string peerScript, string target, string sourceId, int events, int batch) =>
    [
        peerScript, "client-stream", "--target", target, "--source", sourceId,
        "--events", events.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--batch", batch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--first-sequence", "1", "--shape", "thought-latency", "--timeout", "300",
    ];
}
