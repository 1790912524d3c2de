using System.Text;
using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

// Raw events, newest first, read in time slices that widen into the past.
//
// The events table is sorted by (event_type, component, ts), not by time, so "the newest N" cannot be read off the
// sort key: ClickHouse 18.16 must read every row the WHERE lets through, sort them and keep N. Read over 60 days that
// is the whole table (1.4 s for 10 M rows, bench/RESULTS.md). So the read starts with the last hour before the
// anchor (the page's upper end: the cursor, to, or now) and only goes further back while the page is not full:
//
//     anchor-60d ...... anchor-7d ..... anchor-1d .. anchor-6h . anchor-1h ... anchor (now: open-ended, future too)
//     |---- slice 5 ----|--- slice 4 ---|- slice 3 -|- slice 2 -|-- slice 1 --|
//
// Each slice is one query with ORDER BY ... LIMIT (what is still missing + 1); its ts bounds let ClickHouse skip
// every other day partition and, within each (event_type, component) run of the sort key, every other granule.
// Slices never overlap and each is older than the one before, so their rows joined are in the answer's order. The
// one row past the limit says whether a next page exists. Slices with no rows cost a millisecond or two; a filter
// that matches nothing in 60 days reads every slice, which is a scan of the filtered column (bench/RESULTS.md).
public sealed partial class TelemetryQueries
{
    private static readonly TimeSpan[] SliceDepths = [TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    /// <summary>
    /// Hands the page's events to <paramref name="onEvent"/> in order, as ClickHouse sends them; returns the cursor of
    /// the next page, or null when this page holds the last matching event.
    /// </summary>
    public async Task<EventCursor?> EventsAsync(EventsRequest request, Func<StoredEvent, CancellationToken, ValueTask> onEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onEvent);
        if (await IndexedRangeAsync(request.Filter, cancellationToken) is not { } range)
        {
            return null;
        }

        request = range.Narrow(request);
        var conditions = EventsSql.Conditions(request);
        var anchor = Anchor(request);
        var delivered = 0;
        EventCursor? last = null;
        var more = false;
        long? newer = null;
        foreach (var depth in SliceDepths.Append(TimeSpan.MaxValue))
        {
            // Bounds in unix seconds: [older, newer); null is open. The last slice reaches back to from, or to the start.
            long? older = depth == TimeSpan.MaxValue ? null : Math.Max(0, anchor - (long)depth.TotalSeconds);
            if (request.From is { } from && (older is null || older <= from.ToUnixTimeSeconds()))
            {
                older = null;
            }

            var sql = SliceSql(conditions, older, newer, request.Limit - delivered + 1);
            await client.QueryEachRowAsync(
                sql,
                async (row, token) =>
                {
                    var stored = StoredEvent.Read(row);
                    if (delivered == request.Limit)
                    {
                        more = true;
                        return;
                    }

                    delivered++;
                    last = stored.Place;
                    await onEvent(stored, token);
                },
                cancellationToken);
            if (more || older is null || older == 0)
            {
                break;
            }

            newer = older;
        }

        return more ? last : null;
    }

    /// <summary>
    /// For a trace id or correlation id filter: the time range its index (trace_index, correlation_index) holds for it,
    /// so the slices read only that; null when the index has no row for it (no such events); everything without such a
    /// filter. Events stored while their index view failed would be outside it: the index is trusted as the rollups are.
    /// </summary>
    private async Task<IndexedRange?> IndexedRangeAsync(EventFilter filter, CancellationToken cancellationToken)
    {
        var (table, column, id) = filter switch
        {
            { TraceId: { } trace } => (TraceIndexTable.Name, "trace_id", trace),
            { CorrelationId: { } correlation } => (CorrelationIndexTable.Name, "correlation_id", correlation),
            _ => (null, null, null),
        };
        if (table is null)
        {
            return IndexedRange.Everything;
        }

        var rows = await client.QueryAsync(
            $"SELECT count() AS n, toUInt32(min(first_ts)) AS lo, toUInt32(max(last_ts)) AS hi FROM {Database}.{table} WHERE {column} = {SqlText.Literal(id!)}",
            cancellationToken);
        var row = rows[0];
        if (RowValues.Long(row, "n") == 0)
        {
            return null;
        }

        return new IndexedRange(DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(row, "lo")), DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(row, "hi") + 1));
    }

    /// <summary>[From, To) in whole seconds, or no bounds at all.</summary>
    private sealed record IndexedRange(DateTimeOffset? From, DateTimeOffset? To)
    {
        public static readonly IndexedRange Everything = new(null, null);

        /// <summary>The request with its time range cut to this one (never widened).</summary>
        public EventsRequest Narrow(EventsRequest request) => request with
        {
            From = From is { } from && (request.From is null || request.From < from) ? from : request.From,
            To = To is { } to && (request.To is null || request.To > to) ? to : request.To,
        };
    }

    /// <summary>The second the first slice ends at: the cursor's, to's, or now (then the first slice is open-ended).</summary>
    private long Anchor(EventsRequest request)
    {
        var anchor = time.GetUtcNow().ToUnixTimeSeconds();
        if (request.After is { } after)
        {
            anchor = after.Seconds + 1;
        }

        if (request.To is { } to && (request.After is null || to.ToUnixTimeSeconds() < anchor))
        {
            anchor = to.ToUnixTimeSeconds();
        }

        return anchor;
    }

    private string SliceSql(List<string> conditions, long? older, long? newer, int limit)
    {
        var where = new List<string>(conditions);
        if (older is { } o)
        {
            where.Add($"ts >= {SqlText.Literal(DateTimeOffset.FromUnixTimeSeconds(o))}");
        }

        if (newer is { } n)
        {
            where.Add($"ts < {SqlText.Literal(DateTimeOffset.FromUnixTimeSeconds(n))}");
        }

        var sql = new StringBuilder()
            .Append($"SELECT {StoredEvent.Columns} FROM {Database}.{EventsTable.Name}");
        if (where.Count > 0)
        {
            // All of it as PREWHERE: ClickHouse then reads the filtered columns first and every other column only
            // for the rows that pass. Left to itself, 18.16 moves one condition (ts_ns, not the sort-key ts) there and
            // reads every column of the slice: the second page of 10 M events took 50 ms instead of 17.
            sql.Append(" PREWHERE ").AppendJoin(" AND ", where);
        }

        return sql.Append(' ').Append(EventsSql.Order).Append($" LIMIT {SqlText.Literal(limit)}").ToString();
    }
}
