using System.Diagnostics;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Interop;

/// <summary>
/// The README's Python command ("Generated clients") run as written with Debian's python3-grpc-tools, and the stubs
/// it makes sending to a real collector: Stream, Send, and a batch the collector refuses.
/// </summary>
public sealed class PythonGeneratedStubTests : CollectorTest, IDisposable
{
    private const string Python = "/usr/bin/python3";
    private const string CommandStart = "python3 -m grpc_tools.protoc ";
    private readonly TempDirectory _work = new("python-stubs");

    public void Dispose() => _work.Dispose();

    [Fact]
    public async Task ReadmeProtocCommand_StubsStreamAndSend_StoredOnceAndRefusalCarriesOurStatus()
    {
        // The README's command, run from a directory laid out like the repository root (proto/ and gen/).
        var command = ReadmeCommand();
        File.CreateSymbolicLink(Path.Combine(_work.Path, "proto"), RepoPaths.ProtoRoot);
        Directory.CreateDirectory(Path.Combine(_work.Path, "gen"));
        // Debian's interpreter for "python3": the one that has python3-grpc-tools.
        var generate = await RunPythonAsync(command["python3 ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(generate.ExitCode == 0, $"{command}\n{generate.Output}");
        Assert.True(File.Exists(Path.Combine(_work.Path, "gen", "telemetry", "v1", "telemetry_pb2_grpc.py")), generate.Output);

        var send = await RunPythonAsync(
            [Path.Combine(RepoPaths.Root, "tests", "Interop", "python", "generated_client.py"), "--target", $"127.0.0.1:{Collector.GrpcUri.Port}", "--source", "python-generated", "--events", "10"],
            pythonPath: Path.Combine(_work.Path, "gen"));
        Assert.True(send.ExitCode == 0, send.Output);
        var result = JsonDocument.Parse(send.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement;

        Assert.Equal([(10, 10ul), (10, 20ul)], result.GetProperty("streamed").EnumerateArray().Select(a => (a.GetProperty("accepted").GetInt32(), a.GetProperty("durable_through").GetUInt64())));
        Assert.Equal(30ul, result.GetProperty("sent").GetProperty("durable_through").GetUInt64());
        Assert.Equal(10, result.GetProperty("sent").GetProperty("accepted").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", result.GetProperty("refused").GetProperty("code").GetString());
        Assert.Equal("source_id is 300 bytes; the limit is 256", result.GetProperty("refused").GetProperty("details").GetString());
        var stored = await LogContents.ReadAsync(Collector.App.Log);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (ulong)i), stored.Select(e => e.Sequence).Order());
        Assert.All(stored, e => Assert.Equal(("python-generated", "python-generated"), (e.SourceId, e.Event.Service)));
    }

    private static string ReadmeCommand()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var section = readme[readme.IndexOf("## Generated clients", StringComparison.Ordinal)..];
        return Assert.Single(section.Split('\n'), line => line.StartsWith(CommandStart, StringComparison.Ordinal)).Trim();
    }

    private async Task<(int ExitCode, string Output)> RunPythonAsync(string[] args, string? pythonPath = null)
    {
        var start = new ProcessStartInfo(Python) { WorkingDirectory = _work.Path };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (pythonPath is not null)
        {
            start.Environment["PYTHONPATH"] = pythonPath;
        }

        using var python = new ChildProcess(start);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await python.Process.WaitForExitAsync(timeout.Token);
        return (python.Process.ExitCode, python.Output);
    }
}
