using System.Globalization;
using System.Text.Json;
using Collector.Bench.RawAppend;

// Raw FASTER append + commit throughput of the entries a collector stored, the baseline for sustained durable ingest.
//   Collector.Bench.RawAppend <stopped collector data dir> <work dir> <seconds> <out.json>
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Collector.Bench.RawAppend <stopped collector data dir> <work dir> <seconds> <out.json>");
    return 2;
}

var stored = await StoredEntries.LoadAsync(args[0], maxBytes: 256L << 20);
var duration = TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));
var work = Path.Combine(args[1], "raw-append-log");
try
{
    var result = await new DurableAppendRun(stored, work, duration).RunAsync();
    var summary = new
    {
        source_log = Path.GetFullPath(args[0]),
        entries_loaded = stored.Entries.Count,
        events_per_entry = Math.Round((double)stored.Events / stored.Entries.Count, 1),
        event_bytes_mean = Math.Round((double)stored.EventBytes / stored.Events, 1),
        entry_bytes_mean = Math.Round((double)stored.EntryBytes / stored.Entries.Count, 1),
        seconds = Math.Round(result.Seconds, 3),
        events = result.Events,
        commits = result.Commits,
        events_per_s = Math.Round(result.Events / result.Seconds),
        bytes_per_s = Math.Round(result.Bytes / result.Seconds),
    };
    var json = JsonSerializer.Serialize(summary);
    await File.WriteAllTextAsync(args[3], json + "\n");
    Console.WriteLine(json);
    return 0;
}
finally
{
    if (Directory.Exists(work))
    {
        Directory.Delete(work, recursive: true);
    }
}
