namespace Collector.Storage.Log;

/// <summary>Settings of the durable log; every FASTER default we rely on is set here explicitly.</summary>
public sealed class DurableLogOptions
{
    /// <summary>The directory that holds the log segments, commit records and the dedup checkpoint.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// The least time between the starts of two group commits. Entries are committed as soon as the previous
    /// commit ends and this much time has passed since it began.
    /// </summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>The largest message the collector accepts; entries are sized so one such event always fits.</summary>
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>A batch's accepted events are split into entries of about this size.</summary>
    public int TargetEntryBytes { get; set; } = 1024 * 1024;

    /// <summary>Size of one segment file of a new log; an existing log keeps the size it was made with (LogGeometry).</summary>
    public long SegmentBytes { get; set; } = 1L << 30;

    /// <summary>How often the per-source dedup state is checkpointed, bounding the log scan at start.</summary>
    public TimeSpan DedupCheckpointInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most bytes the log holds (tail minus begin) in any profile; past it the oldest entries are dropped (LogBudget).</summary>
    public long BudgetBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Oldest entry the log keeps in any profile; older ones are dropped, counted (LogBudget).</summary>
    public TimeSpan BudgetAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the budget is checked.</summary>
    public TimeSpan BudgetInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Start on a log whose commit records do not check out, or that has none: recover every intact entry up to the
    /// first damage and give up what lies past it (counted in <see cref="DurableLog.SkippedBytes"/>), instead of
    /// refusing to start. An operator's choice for one start (the --repair flag), never a default.
    /// </summary>
    public bool Repair { get; set; }

    /// <summary>The largest single entry: one maximal event plus the entry's own fields.</summary>
    public int MaxEntryBytes => MaxMessageBytes + 64 * 1024;
}
