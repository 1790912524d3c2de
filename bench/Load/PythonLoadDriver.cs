using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Collector.Bench.Load;

/// <summary>
/// The same load through Debian's python3-grpcio: runs bench/Load/load_peer.py with this run's payload (the very
/// bytes the .NET client would send) and folds the JSON lines it prints into <see cref="LoadCounters"/>, so
/// progress, summary, chart and the /metrics check are the same code for both clients.
/// </summary>
internal sealed class PythonLoadDriver(LoadOptions options, LoadPayload payload, LoadCounters counters) : ILoadDriver
{
    public const string Python = "/usr/bin/python3";

    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sent;
    private long _acks;
    private long _accepted;
    private long _duplicates;
    private long _rejected;

    public Task<long> Started => _started.Task;

    public async Task RunAsync()
    {
        var payloadFile = Path.Combine(Path.GetTempPath(), $"load-payload-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(payloadFile, JsonSerializer.Serialize(new
        {
            block = Convert.ToBase64String(payload.Block),
            event_ends = payload.EventEnds,
            time_offsets = payload.TimeOffsets,
        }));
        try
        {
            using var process = Process.Start(StartInfo(payloadFile)) ?? throw new InvalidOperationException("could not start " + Python);
            var stderr = process.StandardError.ReadToEndAsync();
            var done = false;
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                done |= Apply(line);
            }

            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || !done)
            {
                throw new InvalidOperationException($"load_peer.py exited with {process.ExitCode} before it finished:\n{await stderr}");
            }
        }
        finally
        {
            File.Delete(payloadFile);
        }
    }

    /// <summary>Folds one line in; true for the last one ("done").</summary>
    private bool Apply(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        switch (root.GetProperty("event").GetString())
        {
            case "started":
                _started.TrySetResult(Stopwatch.GetTimestamp());
                return false;
            case "tick":
                // Running totals: add what is new since the last tick.
                counters.AddSent(Delta(root, "sent", ref _sent));
                counters.AddAcks(Delta(root, "acks", ref _acks), Delta(root, "accepted", ref _accepted), Delta(root, "duplicates", ref _duplicates), Delta(root, "rejected", ref _rejected));
                foreach (var latency in root.GetProperty("latencies_us").EnumerateArray())
                {
                    counters.AckLatency.Record(latency.GetInt64());
                }

                foreach (var lag in root.GetProperty("lags_us").EnumerateArray())
                {
                    counters.ScheduleLag.Record(lag.GetInt64());
                }

                return false;
            case "error":
                counters.AddError(root.GetProperty("message").GetString() ?? "error", root.GetProperty("unacked").GetInt64());
                return false;
            case "done":
                return true;
            default:
                throw new InvalidOperationException("load_peer.py printed an unknown line: " + line);
        }
    }

    private static long Delta(JsonElement root, string name, ref long last)
    {
        var total = root.GetProperty(name).GetInt64();
        var delta = total - last;
        last = total;
        return delta;
    }

    private ProcessStartInfo StartInfo(string payloadFile)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        string[] args =
        [
            Script, "--target", $"{options.Target.Host}:{options.Target.Port}",
            "--connections", Text(options.Connections), "--streams", Text(options.Streams),
            "--batch", Text(options.BatchSize), "--rate", Text(options.Rate), "--ramp-up", Text(options.RampUp),
            "--window", Text(options.Window),
            "--duration", double.IsFinite(options.SendSeconds) ? Text(options.SendSeconds) : "0",
            "--events", Text(options.Events ?? 0), "--payload", payloadFile,
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // In the environment, not the command line, which other users of the machine can read.
        if (options.ApiKey is { } key)
        {
            start.Environment["LOAD_API_KEY"] = key;
        }

        return start;
    }

    /// <summary>bench/Load/load_peer.py, found from the tool's location upwards (the tool runs from its bin folder).</summary>
    private static string Script
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "bench", "Load", "load_peer.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new InvalidOperationException("bench/Load/load_peer.py not found above " + AppContext.BaseDirectory);
        }
    }
}
