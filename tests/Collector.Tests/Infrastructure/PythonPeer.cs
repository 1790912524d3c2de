using System.Diagnostics;
using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>Debian's python3-grpcio, driven through tests/Interop/python/peer.py: a real third-party gRPC peer.</summary>
internal static class PythonPeer
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Runs a client command and returns the JSON object it prints last.</summary>
    public static async Task<JsonElement> RunClientAsync(params string[] args)
    {
        using var process = StartClient(args);
        return await FinishClientAsync(process, args);
    }

    /// <summary>Starts a client command whose output is read line by line as it runs; end with <see cref="FinishClientAsync"/>.</summary>
    public static Process StartClient(params string[] args) => Process.Start(Start(args, redirectInput: false))!;

    /// <summary>Reads <paramref name="process"/>'s output until <paramref name="line"/>; false if it ended first.</summary>
    public static async Task<bool> WaitForLineAsync(Process process, string line, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (await process.StandardOutput.ReadLineAsync(cancel.Token) is { } read)
        {
            if (read == line)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits for a started client to exit and returns the JSON object it prints last.</summary>
    public static async Task<JsonElement> FinishClientAsync(Process process, params string[] args)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"peer.py {string.Join(' ', args)} exited {process.ExitCode}:\n{output}\n{await stderr}");
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(last).RootElement.Clone();
    }

    /// <summary>Starts the Python server and returns it with its port once it listens.</summary>
    public static async Task<(Process Server, int Port)> StartServerAsync()
    {
        var process = Process.Start(Start(["server", "--port", "0"], redirectInput: true))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("READY ", StringComparison.Ordinal))
            {
                return (process, int.Parse(line["READY ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        throw new InvalidOperationException("python server ended before READY: " + await process.StandardError.ReadToEndAsync());
    }

    public static async Task StopServerAsync(Process server)
    {
        // The server stops when its stdin closes.
        server.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await server.WaitForExitAsync(timeout.Token);
        server.Dispose();
    }

    private static ProcessStartInfo Start(IEnumerable<string> args, bool redirectInput)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RepoPaths.PythonPeer);
        start.ArgumentList.Add("--proto-root");
        start.ArgumentList.Add(RepoPaths.ProtoRoot);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}
