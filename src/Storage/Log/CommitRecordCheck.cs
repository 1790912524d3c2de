namespace Collector.Storage.Log;

/// <summary>
/// Whether a commit record agrees with the segment files, so that recovery never starts on a record that points
/// past the data or into the middle of an entry:
/// <code>
///   64 &lt;= begin &lt;= every cursor &lt;= until &lt;= what the segment files hold
///   begin, each cursor: a readable entry (valid checksum) unless it is at until
///   until: the end of an entry, found by walking the entries of its page by their length fields from the page's
///          start (or from begin)
/// </code>
/// The walk reads at most one page, so the check costs the same however long the log is.
/// </summary>
internal static class CommitRecordCheck
{
    /// <summary>FASTER's first valid address.</summary>
    public const long FirstAddress = 64;

    /// <summary>Null when <paramref name="record"/> checks out; what is wrong with it otherwise.</summary>
    public static string? Problem(CommitRecord record, LogSegmentFiles segments, int pageBits)
    {
        var (begin, until) = (record.BeginAddress, record.UntilAddress);
        if (begin < FirstAddress || begin > until)
        {
            return $"begin {begin} is not between {FirstAddress} and the committed end {until}";
        }

        // An empty log (until at the first address) holds no bytes yet: a collector started and stopped idle.
        if (until > Math.Max(segments.StoredEnd, FirstAddress))
        {
            return $"the committed end {until} lies past the {segments.StoredEnd} bytes the segment files hold"
                + (segments.MissingSegmentProblem(until - 1) is { } missing ? $" ({missing})" : string.Empty);
        }

        foreach (var (name, position) in record.Cursors)
        {
            if (position < begin || position > until)
            {
                return $"cursor '{name}' at {position} is not between begin {begin} and the committed end {until}";
            }
        }

        foreach (var (what, position) in record.Cursors.Select(c => ($"cursor '{c.Key}'", c.Value)).Prepend(("begin", begin)))
        {
            if (position < until && segments.TryReadEntry(position, out var problem) is null)
            {
                return $"{what} at {position}: {problem}";
            }
        }

        return UntilProblem(begin, until, segments, pageBits);
    }

    private static string? UntilProblem(long begin, long until, LogSegmentFiles segments, int pageBits)
    {
        var at = Math.Max(begin, until & ~((1L << pageBits) - 1));
        while (at < until)
        {
            // By length fields alone: a damaged payload on the way is the readers' to step over and count (a flipped
            // byte in an entry before the end failed every record, and the start was refused), not a wrong end.
            if (segments.TryLocateEntry(at, out var problem) is not { } entry)
            {
                return $"the committed end {until} is not the end of an entry: {problem}";
            }

            at = entry.Next;
        }

        return at == until ? null : $"the committed end {until} falls inside the entry that ends at {at}";
    }
}
