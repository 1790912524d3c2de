using System.Diagnostics;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Bench;

/// <summary>bench/Load run as the operator runs it: its own process, a fresh output directory, exit code and output kept.</summary>
internal sealed record LoadToolRun(int ExitCode, string Stdout, string Stderr, string OutputDirectory)
{
    /// <summary>The load tool built in the same configuration as the tests (the test project builds it).</summary>
    public static string Dll
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
            return Path.Combine(RepoPaths.Root, "bench", "Load", "bin", configuration, "net10.0", "Collector.Bench.Load.dll");
        }
    }

    public JsonElement Summary => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "summary.json"))).RootElement.Clone();

    public string Describe() => $"load tool exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public static async Task<LoadToolRun> RunAsync(string outputDirectory, params string[] args)
    {
        Assert.True(File.Exists(Dll), $"build the load tool first: {Dll}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args.Concat(["--out", outputDirectory]))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return new LoadToolRun(process.ExitCode, await stdout, await stderr, outputDirectory);
    }
}
