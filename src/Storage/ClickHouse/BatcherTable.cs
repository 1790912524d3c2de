namespace Collector.Storage.ClickHouse;

/// <summary>
/// A table the log is stored into, each by a batcher of its own: its columns, the persisted log cursor that batcher
/// reads through, and the encoder that picks the table's events out of an entry. Events keep the cursor "clickhouse"
/// and the session names they always had, so data dirs and ClickHouse sessions of earlier versions carry on. Cursor
/// names are at most 20 characters: FASTER refuses longer iterator names.
/// </summary>
public sealed class BatcherTable
{
    public static readonly BatcherTable Events = new(EventsTable.Name, EventsTable.Columns, cursorName: "clickhouse", tag: null, (node, logId) => new EventRowEncoder(node, logId));

    public static readonly BatcherTable MetricPoints = new(MetricPointsTable.Name, MetricPointsTable.Columns, cursorName: "clickhouse.metrics", tag: MetricPointsTable.Name, (node, logId) => new MetricPointRowEncoder(node, logId));

    public static readonly BatcherTable Spans = new(SpansTable.Name, SpansTable.Columns, cursorName: "clickhouse.spans", tag: SpansTable.Name, (node, logId) => new SpanRowEncoder(node, logId));

    /// <summary>Every table a collector with ClickHouse stores into, events first.</summary>
    public static readonly IReadOnlyList<BatcherTable> All = [Events, MetricPoints, Spans];

    private readonly Func<string, string, ILogRowEncoder> _newEncoder;

    private BatcherTable(string name, IReadOnlyList<string> columns, string cursorName, string? tag, Func<string, string, ILogRowEncoder> newEncoder)
    {
        Name = name;
        Columns = columns;
        CursorName = cursorName;
        Tag = tag;
        _newEncoder = newEncoder;
    }

    public string Name { get; }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>The batcher's persisted cursor in the durable log.</summary>
    public string CursorName { get; }

    /// <summary>Tells this table's insert sessions and their file apart from the events table's (null: the events table's own names).</summary>
    public string? Tag { get; }

    /// <summary>A new encoder for rows of this table, written by <paramref name="node"/> from the log <paramref name="logId"/>.</summary>
    public ILogRowEncoder NewEncoder(string node, string logId) => _newEncoder(node, logId);

    public override string ToString() => Name;
}
