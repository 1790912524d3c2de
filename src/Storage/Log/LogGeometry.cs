using System.Globalization;

namespace Collector.Storage.Log;

/// <summary>
/// The page and segment sizes of a log. Both are fixed when the log is made: an address names a segment file by its
/// high bits, and entries are laid out so none crosses a page, so reading a log with other sizes finds the wrong files
/// and takes page padding for the end of the data. They are kept in &lt;data-dir&gt;/log-geometry and every later start
/// opens the log with them, whatever --max-receive-message-bytes or --log-segment-bytes say now.
/// </summary>
/// <remarks>
/// A log made before this file existed has none: it was made with the sizes the settings give (segments were always
/// 1 GiB), and adopts them at its first start. The settings can only grow a message limit as far as the kept pages
/// hold; past that the start is refused as a configuration error (LogGeometryMismatchException), never a quiet
/// misreading.
/// </remarks>
public sealed record LogGeometry(int PageBits, int SegmentBits)
{
    public const string FileName = "log-geometry";

    // FASTER's entry header and alignment, beyond the payload, that a page must also hold.
    private const int EntryOverheadBytes = 64;

    /// <summary>The largest entry a page of this log holds.</summary>
    public int MaxEntryBytes => (1 << PageBits) - EntryOverheadBytes;

    /// <summary>What a new log gets from the settings: the least page (at least 4 MiB) that holds the largest entry.</summary>
    public static LogGeometry For(DurableLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var pageBits = 22;
        while ((1 << pageBits) < options.MaxEntryBytes + EntryOverheadBytes)
        {
            pageBits++;
        }

        return new LogGeometry(pageBits, Math.Max(pageBits + 1, (int)Math.Log2(options.SegmentBytes)));
    }

    /// <summary>The kept geometry of the log in <paramref name="directory"/>, or, when none is kept, what the settings give.</summary>
    public static LogGeometry Of(string directory, DurableLogOptions options)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return For(options);
        }

        var parts = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts is ["page-bits", var page, "segment-bits", var segment]
            && int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var pageBits)
            && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var segmentBits)
            && pageBits is >= 22 and <= 30
            && segmentBits > pageBits && segmentBits <= 40)
        {
            return new LogGeometry(pageBits, segmentBits);
        }

        if (options.Repair)
        {
            // The operator's call: the settings are taken to be the ones the log was made with.
            return For(options);
        }

        throw new DamagedLogException(
            $"{path} is damaged (expected 'page-bits <n> segment-bits <n>'); it says how the log's files are laid out. "
            + "Restore it from a backup, or start once with --repair (and the --max-receive-message-bytes and --log-segment-bytes the log was made with) to write it again from the settings");
    }

    /// <summary>Keeps this geometry for the log in <paramref name="directory"/> (durably, before the log is written with it).</summary>
    public void Keep(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var text = string.Create(CultureInfo.InvariantCulture, $"page-bits {PageBits} segment-bits {SegmentBits}\n");
        if (File.Exists(path) && string.Equals(File.ReadAllText(path), text, StringComparison.Ordinal))
        {
            return;
        }

        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Null when <paramref name="options"/> can use a log of this geometry; why not otherwise.</summary>
    public string? Mismatch(DurableLogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxEntryBytes <= MaxEntryBytes
            ? null
            : $"the log in {options.DataDirectory} was made with {1 << PageBits >> 20} MiB pages, which hold messages up to "
                + $"{MaxEntryBytes - (options.MaxEntryBytes - options.MaxMessageBytes)} bytes; a max receive message size of {options.MaxMessageBytes} bytes needs larger pages. "
                + "Keep the limit at or below that, or let this log drain (its consumers catch up), then start with a new data directory";
    }
}
