using System.Diagnostics;
using System.Text;

namespace Collector.Tests.Infrastructure;

/// <summary>A process a test starts (a collector, the sample service): its output kept for failure messages, killed if left running.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private bool _disposed;

    public ChildProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Polls <paramref name="url"/> until it answers 2xx; fails with the process's output if it exits or times out.
    /// <paramref name="client"/> makes the client (one that trusts a test certificate), else a plain one.
    /// </summary>
    public async Task WaitForHttpAsync(Uri url, TimeSpan timeout, string what, Func<HttpClient>? client = null)
    {
        using var http = client?.Invoke() ?? new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(Process.HasExited, $"{what} exited during start:\n{Output}");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (DateTime.UtcNow < deadline)
            {
                // Listening but slow to answer (a loaded machine): ask again until the deadline.
            }

            await Task.Delay(100);
        }

        Assert.Fail($"{what} did not answer {url} in {timeout.TotalSeconds} s:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        Process.Kill(entireProcessTree: false);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Process.WaitForExitAsync(wait.Token);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!Process.HasExited)
        {
            Process.Kill();
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
