using System.Diagnostics;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Bench;

/// <summary>A bench tool as bench/run-all runs it: built with the tests (same configuration), in its own process, its exit code and output kept.</summary>
internal static class BenchToolProcess
{
    /// <summary>The tool's dll under bench/<paramref name="project"/>, built in the tests' configuration.</summary>
    public static string Dll(string project, string assembly)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepoPaths.Root, "bench", project, "bin", configuration, "net10.0", assembly + ".dll");
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/> <paramref name="args"/></c>; a tool still running after <paramref name="timeout"/> is killed and the test fails.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string dll, IEnumerable<string> args, TimeSpan timeout)
    {
        Assert.True(File.Exists(dll), $"build the tool first: {dll}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args.Prepend(dll))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
