using System.Diagnostics;
using System.Globalization;

namespace Collector.Bench.Load;

/// <summary>One second of the run: rates over the interval, ack latency of the Acks that arrived in it, the collector's memory.</summary>
internal sealed record SecondSample(
    double Seconds,
    double OfferedPerSecond,
    double AckedPerSecond,
    long Errors,
    double AckP50Ms,
    double AckP99Ms,
    double AckP999Ms,
    double AckMaxMs,
    long? CollectorRssBytes);

/// <summary>
/// Once a second: samples the counters and the collector's memory, appends a <see cref="SecondSample"/>, and shows
/// it on stderr: one line rewritten in place on a terminal, one line per second when stderr is a file or a pipe.
/// The last second's latencies are the difference of two histogram snapshots, so nothing is reset under the streams.
/// </summary>
internal sealed class ProgressReporter(LoadCounters counters, int? collectorPid, bool quiet, double warmUpSeconds = 0)
{
    private readonly long[] _warmUp = new long[LatencyHistogram.BucketCount];
    private readonly List<SecondSample> _samples = [];
    private readonly long[] _previous = new long[LatencyHistogram.BucketCount];
    private readonly long[] _current = new long[LatencyHistogram.BucketCount];
    private readonly long[] _interval = new long[LatencyHistogram.BucketCount];
    private readonly bool _inPlace = !Console.IsErrorRedirected;
    private long _lastTimestamp;
    private long _lastSent;
    private long _lastAccepted;
    private long _lastErrors;

    public IReadOnlyList<SecondSample> Samples => _samples;

    /// <summary>Ack latency counts as they stood at the end of the warm-up (whole seconds, so at most one second more).</summary>
    public ReadOnlySpan<long> WarmUpCounts => _warmUp;

    /// <summary>Events accepted by the end of the warm-up (the same sample as <see cref="WarmUpCounts"/>).</summary>
    public long WarmUpAccepted { get; private set; }

    /// <summary>The collector's CPU seconds (since it started) at the end of the warm-up; null without a pid.</summary>
    public double? WarmUpCollectorCpuS { get; private set; }

    /// <summary>Highest VmRSS seen during the run.</summary>
    public long? MaxRssBytes { get; private set; }

    /// <summary>The collector's VmHWM at the last sample: its peak resident memory since it started.</summary>
    public long? PeakRssBytes { get; private set; }

    public async Task RunAsync(long startTimestamp, CancellationToken stop)
    {
        _lastTimestamp = startTimestamp;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                Sample(startTimestamp);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run ended: the last partial second is sampled below if it is long enough to mean something.
        }

        if (Stopwatch.GetElapsedTime(_lastTimestamp).TotalSeconds >= 0.2)
        {
            Sample(startTimestamp);
        }

        if (_inPlace && !quiet)
        {
            Console.Error.WriteLine();
        }
    }

    private void Sample(long startTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = Stopwatch.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        var sent = counters.Sent;
        var accepted = counters.Accepted;
        var errors = counters.Errors;
        counters.AckLatency.CopyCounts(_current);
        long intervalMax = 0;
        for (var i = 0; i < _current.Length; i++)
        {
            _interval[i] = _current[i] - _previous[i];
            if (_interval[i] > 0)
            {
                intervalMax = LatencyHistogram.HighestInBucket(i);
            }
        }

        long? rss = null;
        if (collectorPid is { } pid && ProcessMemory.Read(pid) is { } memory)
        {
            rss = memory.RssBytes;
            MaxRssBytes = Math.Max(MaxRssBytes ?? 0, memory.RssBytes);
            PeakRssBytes = memory.PeakRssBytes;
        }

        var sample = new SecondSample(
            Math.Round(Stopwatch.GetElapsedTime(startTimestamp, now).TotalSeconds, 3),
            Math.Round((sent - _lastSent) / seconds, 1),
            Math.Round((accepted - _lastAccepted) / seconds, 1),
            errors - _lastErrors,
            Milliseconds(LatencyHistogram.Percentile(_interval, 0.50)),
            Milliseconds(LatencyHistogram.Percentile(_interval, 0.99)),
            Milliseconds(LatencyHistogram.Percentile(_interval, 0.999)),
            Milliseconds(intervalMax),
            rss);
        _samples.Add(sample);
        Array.Copy(_current, _previous, _current.Length);
        if (sample.Seconds <= warmUpSeconds + 0.5)
        {
            Array.Copy(_current, _warmUp, _current.Length);
            WarmUpAccepted = accepted;
            WarmUpCollectorCpuS = collectorPid is { } collector ? ProcessCpu.ReadSeconds(collector) : null;
        }

        (_lastTimestamp, _lastSent, _lastAccepted, _lastErrors) = (now, sent, accepted, errors);
        Show(sample);
    }

    private void Show(SecondSample s)
    {
        if (quiet)
        {
            return;
        }

        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Seconds,6:0.0} s  offered {s.OfferedPerSecond,9:N0}/s  acked {s.AckedPerSecond,9:N0}/s ({counters.Accepted:N0} in all)  errors {counters.Errors}  ack p50 {s.AckP50Ms:0.00} p99 {s.AckP99Ms:0.00} p999 {s.AckP999Ms:0.00} ms");
        if (s.CollectorRssBytes is { } rss)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"  rss {rss / (1024.0 * 1024):0} MiB");
        }

        // On a terminal: rewrite the one line (\r, then erase to its end); in a log: one line per second.
        Console.Error.Write(_inPlace ? "\r" + line + "\u001b[K" : line + Environment.NewLine);
    }

    public static double Milliseconds(long microseconds) => Math.Round(microseconds / 1000.0, 3);
}
