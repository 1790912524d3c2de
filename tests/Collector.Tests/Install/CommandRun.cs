using System.Diagnostics;

namespace Collector.Tests.Install;

/// <summary>
/// One run of a command-line tool (the installer, publish.sh, systemd-analyze, promtool) to its end, stdin closed so
/// the tool sees no terminal, stdout and stderr kept apart: the installer's promise about secrets is about stdout.
/// </summary>
internal sealed record CommandRun(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;

    public static async Task<CommandRun> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not end in {timeout.TotalSeconds} s:\n{await stdout}{await stderr}");
        }

        return new CommandRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Fails with everything the tool printed unless it exited 0.</summary>
    public CommandRun Succeeded(string what)
    {
        Assert.True(ExitCode == 0, $"{what} exited {ExitCode}:\n{Output}");
        return this;
    }
}
