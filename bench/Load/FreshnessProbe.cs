using System.Diagnostics;
using System.Globalization;
using Collector.Storage.ClickHouse;

namespace Collector.Bench.Load;

/// <summary>
/// Measures end-to-end freshness: polls ClickHouse for the highest stored sequence of each load source and
/// records when each value was first seen, so every acknowledged batch gets an ack-to-visible time.
/// </summary>
internal sealed class FreshnessProbe(Uri clickHouse, string database, IReadOnlyList<LoadStream> streams)
{
    private readonly List<(long Timestamp, Dictionary<string, ulong> MaxSequence)> _polls = [];

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient();
        // Through the collector's one escaping path, like every other query we build.
        var sources = string.Join(",", streams.Select(s => SqlText.Literal(s.SourceId)));
        var sql = $"SELECT source_id, max(sequence) FROM {SqlText.Identifier(database)}.events WHERE source_id IN ({sources}) GROUP BY source_id FORMAT TabSeparated";
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var text = await http.GetStringAsync(new Uri(clickHouse, "/?query=" + Uri.EscapeDataString(sql)), stop);
                var seen = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(line => line.Split('\t'))
                    .ToDictionary(f => f[0], f => ulong.Parse(f[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
                _polls.Add((Stopwatch.GetTimestamp(), seen));
            }
            catch (HttpRequestException)
            {
                // The table may not exist yet.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>True once every acknowledged batch has been seen in ClickHouse.</summary>
    public bool AllVisible() => _polls.Count > 0 && streams.All(s => s.Acks is not { Count: > 0 } acks || (_polls[^1].MaxSequence.TryGetValue(s.SourceId, out var max) && max >= acks[^1].LastSequence));

    /// <summary>Every acknowledged batch: when its Ack came (a Stopwatch timestamp) and its ack-to-visible time in ms, null if never seen.</summary>
    public List<(long Acked, double? FreshnessMs)> Batches()
    {
        var result = new List<(long, double?)>();
        foreach (var stream in streams)
        {
            // A stream's Acks come in order of time and sequence, so each batch is first seen no earlier than the one before.
            var poll = 0;
            foreach (var (last, acked) in stream.Acks ?? [])
            {
                while (poll < _polls.Count && !(_polls[poll].Timestamp >= acked && _polls[poll].MaxSequence.TryGetValue(stream.SourceId, out var max) && max >= last))
                {
                    poll++;
                }

                result.Add((acked, poll < _polls.Count ? Stopwatch.GetElapsedTime(acked, _polls[poll].Timestamp).TotalMilliseconds : null));
            }
        }

        return result;
    }
}
