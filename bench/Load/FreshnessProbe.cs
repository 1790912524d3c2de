using System.Diagnostics;
using System.Globalization;
using Collector.Storage.ClickHouse;

namespace Collector.Bench.Load;

/// <summary>
/// Measures end-to-end freshness: polls ClickHouse for the highest stored sequence of each load source and
/// records when each value was first seen, so every acknowledged batch gets an ack-to-visible time.
/// </summary>
/// <remarks>
/// Each poll reads only the rows it needs, through the events table's sort key (event type, component, time): the load's
/// events share one type and component, and a stream's events are stamped in the order they are sent, so every row not
/// seen yet is no older than the newest row seen of its stream. A poll reads from the oldest of those (less a second);
/// reading the whole table 20 times a second instead made the probe ClickHouse's largest load in a 60 s run.
/// </remarks>
internal sealed class FreshnessProbe(Uri clickHouse, string database, IReadOnlyList<LoadStream> streams)
{
    private readonly List<(long Timestamp, Dictionary<string, ulong> MaxSequence)> _polls = [];

    public async Task RunAsync(CancellationToken stop)
    {
        using var http = new HttpClient();
        // Through the collector's one escaping path, like every other query we build.
        var sources = string.Join(",", streams.Select(s => SqlText.Literal(s.SourceId)));
        var newestSeen = new Dictionary<string, (ulong Sequence, long Ts)>(StringComparer.Ordinal);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // Until every stream was seen once, the whole (still small) table.
                var from = newestSeen.Count == streams.Count ? newestSeen.Values.Min(v => v.Ts) - 1 : 0;
                var sql = $"SELECT source_id, max(sequence), toUInt32(max(ts)) FROM {SqlText.Identifier(database)}.events "
                    + $"WHERE event_type = {SqlText.Literal(SampleEvents.InferenceType)} AND component = {SqlText.Literal(SampleEvents.InferenceComponent)} "
                    + $"AND ts >= toDateTime({SqlText.Literal(from)}) AND source_id IN ({sources}) GROUP BY source_id FORMAT TabSeparated";
                var text = await http.GetStringAsync(new Uri(clickHouse, "/?query=" + Uri.EscapeDataString(sql)), stop);
                foreach (var fields in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')))
                {
                    var (sequence, ts) = (ulong.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[2], CultureInfo.InvariantCulture));
                    if (!newestSeen.TryGetValue(fields[0], out var known) || sequence > known.Sequence)
                    {
                        newestSeen[fields[0]] = (sequence, ts);
                    }
                }

                _polls.Add((Stopwatch.GetTimestamp(), newestSeen.ToDictionary(pair => pair.Key, pair => pair.Value.Sequence, StringComparer.Ordinal)));
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
