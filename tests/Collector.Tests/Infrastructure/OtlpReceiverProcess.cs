using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// tests/Interop/python/otlp_receiver.py as a process: a real OTLP/gRPC logs, metrics and trace endpoint (Debian's
/// grpcio) that writes each stored log record, data point and span as a JSON line. Arguments are the script's knobs,
/// e.g. "--reject-per-request", "2".
/// </summary>
internal sealed class OtlpReceiverProcess : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly StringBuilder _errors = new();

    private OtlpReceiverProcess(Process process, TempDirectory directory, string outputPath)
    {
        _process = process;
        _directory = directory;
        OutputPath = outputPath;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (_errors)
            {
                _errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
    }

    public static string Script => Path.Combine(RepoPaths.Root, "tests", "Interop", "python", "otlp_receiver.py");

    public Uri Endpoint { get; private set; } = null!;

    public string OutputPath { get; }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public static async Task<OtlpReceiverProcess> StartAsync(params string[] args)
    {
        var directory = new TempDirectory("otlp-receiver");
        var output = Path.Combine(directory.Path, "records.jsonl");
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Script, "--proto-root", RepoPaths.ProtoRoot, "--port", "0", "--output", output }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        var receiver = new OtlpReceiverProcess(Process.Start(start)!, directory, output);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await receiver._process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                var port = int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture);
                var scheme = args.Contains("--tls-cert", StringComparer.Ordinal) ? "https" : "http";
                receiver.Endpoint = new Uri($"{scheme}://127.0.0.1:{port}");
                return receiver;
            }
        }

        await receiver._process.WaitForExitAsync(timeout.Token);
        var errors = receiver.Errors;
        await receiver.DisposeAsync();
        throw new InvalidOperationException("otlp_receiver.py ended before LISTENING: " + errors);
    }

    /// <summary>Every log record stored so far; the receiver writes them before it answers the Export call.</summary>
    public IReadOnlyList<JsonElement> ReadRecords() => ReadLines(OutputPath);

    /// <summary>
    /// Every metric data point stored so far: resource (attributes), scope and point as OTLP/JSON with proto field
    /// names, name, description, unit, kind (the Metric's data case), temporality, monotonic, attributes.
    /// </summary>
    public IReadOnlyList<JsonElement> ReadPoints() => ReadLines(OutputPath + ".metrics");

    /// <summary>Every span stored so far: resource (attributes), scope and span as OTLP/JSON, attributes.</summary>
    public IReadOnlyList<JsonElement> ReadSpans() => ReadLines(OutputPath + ".traces");

    private static List<JsonElement> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return File.ReadAllLines(path)
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The receiver stops when its stdin closes.
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }

        _process.Dispose();
        _directory.Dispose();
    }
}
