using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// Samples an edge's "upstream" cursor throughout a run, two ways, every few milliseconds:
/// - completed: how far the forwarder is done, as /telemetry/status shows it (in memory; numbered by the edge's run,
///   for a restarted edge resumes from the persisted position, not from this one);
/// - persisted: the position the newest whole commit record in the edge's data dir holds (what a restart resumes
///   from), read from the files whether the edge runs or not.
/// </summary>
internal sealed class UpstreamCursorSampler : IAsyncDisposable
{
    private const string Cursor = "upstream";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly string _edgeData;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly SemaphoreSlim _sampling = new(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<(int Run, long Position)> _completed = [];
    private readonly List<long> _persisted = [];
    private readonly Task _loop;
    private volatile CollectorProcess? _edge;
    private int _run;

    public UpstreamCursorSampler(string edgeData)
    {
        _edgeData = edgeData;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Completed positions in the order seen, with the edge run they were seen in (1 = the first).</summary>
    public IReadOnlyList<(int Run, long Position)> Completed
    {
        get
        {
            lock (_gate)
            {
                return _completed.ToList();
            }
        }
    }

    /// <summary>Persisted positions in the order seen, across every run and the gaps between them.</summary>
    public IReadOnlyList<long> Persisted
    {
        get
        {
            lock (_gate)
            {
                return _persisted.ToList();
            }
        }
    }

    /// <summary>Samples <paramref name="edge"/> from now on, as the next run.</summary>
    public void Follow(CollectorProcess edge)
    {
        lock (_gate)
        {
            _run++;
        }

        _edge = edge;
    }

    /// <summary>Stops sampling the edge (it is about to be killed) after one last sample; returns the last completed position of its run.</summary>
    public async Task<long> LeaveAsync()
    {
        await _sampling.WaitAsync();
        try
        {
            await SampleCompletedAsync();
            _edge = null;
        }
        finally
        {
            _sampling.Release();
        }

        lock (_gate)
        {
            return _completed.Where(s => s.Run == _run).Select(s => s.Position).DefaultIfEmpty(-1).Last();
        }
    }

    /// <summary>The upstream cursor in the newest commit record that is whole, or null while none holds it.</summary>
    public static long? PersistedPosition(string dataDir)
    {
        if (!Directory.Exists(CommitRecordFile.Directory(dataDir)))
        {
            return null;
        }

        foreach (var record in CommitRecordFile.Whole(dataDir))
        {
            try
            {
                return CommitRecordFile.Cursors(record).TryGetValue(Cursor, out var position) ? position : null;
            }
            catch (Exception ex) when (ex is IOException or ArgumentOutOfRangeException)
            {
                // Deleted (the newest two are kept) or rewritten while we read it: the next one will do.
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _http.Dispose();
        _sampling.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _sampling.WaitAsync();
            try
            {
                await SampleCompletedAsync();
                if (SafePersistedPosition() is { } persisted)
                {
                    lock (_gate)
                    {
                        _persisted.Add(persisted);
                    }
                }
            }
            finally
            {
                _sampling.Release();
            }

            try
            {
                await Task.Delay(Interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SampleCompletedAsync()
    {
        if (_edge is not { } edge)
        {
            return;
        }

        try
        {
            using var status = JsonDocument.Parse(await _http.GetStringAsync(new Uri(edge.HttpUri, "/telemetry/status")));
            foreach (var consumer in status.RootElement.GetProperty("consumers").EnumerateArray())
            {
                if (consumer.GetProperty("name").GetString() == Cursor && consumer.GetProperty("completed_until").GetInt64() is var position and >= 0)
                {
                    lock (_gate)
                    {
                        _completed.Add((_run, position));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // Starting, stopping, or too busy to answer in time: the next sample will do.
        }
    }

    private long? SafePersistedPosition()
    {
        try
        {
            return PersistedPosition(_edgeData);
        }
        catch (Exception ex) when (ex is IOException or DirectoryNotFoundException)
        {
            return null;
        }
    }
}
