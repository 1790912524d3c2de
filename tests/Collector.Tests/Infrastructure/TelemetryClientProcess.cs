using System.Diagnostics;
using System.Globalization;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// tests/TelemetryClientProcess run as a service process: a TelemetryClient logging numbered events (value i, status
/// "n&lt;i&gt;"), its Stats read from the lines it prints every 10 ms. Killed with -9 by the tests.
/// </summary>
internal sealed class TelemetryClientProcess : IDisposable
{
    private readonly ChildProcess _child;

    private TelemetryClientProcess(ChildProcess child) => _child = child;

    public int ProcessId => _child.Process.Id;

    public string Output => _child.Output;

    /// <param name="collector">The collector's gRPC url (nothing needs to listen there).</param>
    /// <param name="args">The program's options: --spool, --source, --events, --first, ...</param>
    /// <param name="configure">Changes to the process's start (working directory, environment).</param>
    public static async Task<TelemetryClientProcess> StartAsync(Uri collector, string[] args, Action<ProcessStartInfo>? configure = null)
    {
        var dll = RepoPaths.TestProgramDll("TelemetryClientProcess");
        Assert.True(File.Exists(dll), $"build the solution first: {dll}");
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--collector");
        start.ArgumentList.Add(collector.ToString());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        configure?.Invoke(start);
        var process = new TelemetryClientProcess(new ChildProcess(start));
        await process.WaitForStatsAsync(_ => true, TimeSpan.FromSeconds(60), "its first stats line");
        return process;
    }

    /// <summary>The newest stats line, or null before the first.</summary>
    public ClientProcessStats? LastStats()
    {
        var output = Output;
        var at = output.LastIndexOf("stats ", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var end = output.IndexOf('\n', at);
        if (end < 0)
        {
            // A line still being written: take the one before it.
            at = output.LastIndexOf("stats ", at - 1, StringComparison.Ordinal);
            end = at < 0 ? -1 : output.IndexOf('\n', at);
            if (end < 0)
            {
                return null;
            }
        }

        var fields = output[(at + 6)..end].Trim().Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        long Field(string name) => long.Parse(fields[name], CultureInfo.InvariantCulture);
        return new ClientProcessStats(Field("logged"), Field("spooled"), Field("acknowledged"), Field("dropped"), Field("buffered"), Field("pending"), Field("spool_bytes"), Field("cut"));
    }

    public async Task<ClientProcessStats> WaitForStatsAsync(Func<ClientProcessStats, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var exited = _child.Process.HasExited;
            if (exited)
            {
                // Its last lines may still be on their way to us.
                _child.Process.WaitForExit();
            }

            if (LastStats() is { } stats && condition(stats))
            {
                return stats;
            }

            Assert.False(exited, $"the client process exited before {what}:\n{Tail()}");
            Assert.True(DateTime.UtcNow < deadline, $"the client process did not reach {what} in {timeout.TotalSeconds} s; last: {LastStats()}\n{Tail()}");
            await Task.Delay(10);
        }
    }

    /// <summary>SIGKILL: no dispose, no flush, nothing of the client's shutdown runs.</summary>
    public Task KillAsync() => _child.KillAsync();

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _child.Process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the client process did not exit in {timeout.TotalSeconds} s; last: {LastStats()}\n{Tail()}");
        }

        // The output readers finish after the exit: wait for them, so the last lines are there.
        _child.Process.WaitForExit();
        return _child.Process.ExitCode;
    }

    public void Dispose() => _child.Dispose();

    private string Tail()
    {
        var output = Output;
        return output.Length <= 4000 ? output : output[^4000..];
    }
}

/// <summary>One stats line of <see cref="TelemetryClientProcess"/> (the fields of TelemetryStats).</summary>
internal sealed record ClientProcessStats(long Logged, long Spooled, long Acknowledged, long Dropped, long Buffered, long Pending, long SpoolBytes, long Cut);
