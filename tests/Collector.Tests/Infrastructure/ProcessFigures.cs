using System.Globalization;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// What a process holds, read from /proc: its resident memory and its open file descriptors (sockets included), and
/// the peaks of both while a <see cref="Sample"/> runs. Linux only, as the tests that use it.
/// </summary>
internal sealed class ProcessFigures : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _peakRss;
    private long _peakFiles;

    private ProcessFigures(int pid, TimeSpan every)
    {
        _pid = pid;
        _sampling = Task.Run(() => SampleAsync(every));
    }

    public long PeakRssBytes => Interlocked.Read(ref _peakRss);

    public long PeakOpenFiles => Interlocked.Read(ref _peakFiles);

    /// <summary>Samples <paramref name="pid"/> every <paramref name="every"/> until disposed, keeping the peaks.</summary>
    public static ProcessFigures Sample(int pid, TimeSpan every) => new(pid, every);

    public static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    public static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture) + " MiB";

    /// <summary>
    /// Polls until <paramref name="done"/> holds for the process's open files and resident bytes, or
    /// <paramref name="timeout"/> passes; returns the last figures either way (the caller asserts on them).
    /// </summary>
    public static async Task<(int Files, long Rss)> WaitUntilAsync(int pid, Func<int, long, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var (files, rss) = (OpenFiles(pid), RssBytes(pid));
            if (done(files, rss) || DateTime.UtcNow >= deadline)
            {
                return (files, rss);
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    private async Task SampleAsync(TimeSpan every)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                Max(ref _peakRss, RssBytes(_pid));
                Max(ref _peakFiles, OpenFiles(_pid));
                await Task.Delay(every, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or UnauthorizedAccessException)
            {
                // Stopped, or the process is gone: the peaks so far stand.
                return;
            }
        }
    }

    private static void Max(ref long peak, long value)
    {
        var current = Interlocked.Read(ref peak);
        while (value > current && Interlocked.CompareExchange(ref peak, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
