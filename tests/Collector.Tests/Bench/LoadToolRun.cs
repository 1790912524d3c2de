using System.Text.Json;

namespace Collector.Tests.Bench;

/// <summary>bench/Load run as the operator runs it: its own process, a fresh output directory, exit code and output kept.</summary>
internal sealed record LoadToolRun(int ExitCode, string Stdout, string Stderr, string OutputDirectory)
{
    /// <summary>The load tool built in the same configuration as the tests (the test project builds it).</summary>
    public static string Dll => BenchToolProcess.Dll("Load", "Collector.Bench.Load");

    public JsonElement Summary => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputDirectory, "summary.json"))).RootElement.Clone();

    public string Describe() => $"load tool exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public static async Task<LoadToolRun> RunAsync(string outputDirectory, params string[] args)
    {
        var (exitCode, stdout, stderr) = await BenchToolProcess.RunAsync(Dll, args.Concat(["--out", outputDirectory]), TimeSpan.FromSeconds(90));
        return new LoadToolRun(exitCode, stdout, stderr, outputDirectory);
    }
}
