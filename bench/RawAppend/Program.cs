using System.Globalization;
using System.Text.Json;
using Collector.Bench.RawAppend;

// Raw FASTER append + commit throughput of the entries a collector stored, the baseline for sustained durable ingest.
//   Collector.Bench.RawAppend <stopped collector data dir> <work dir> <seconds> <out.json>
// Runs three times, each on a fresh log, and reports the median run: on the shared bench disk one run moved between
// 4.0 M and 6.2 M events/s from one run-all to the next, and the baseline is the denominator of a goal.
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: Collector.Bench.RawAppend <stopped collector data dir> <work dir> <seconds> <out.json>");
    return 2;
}

const int Runs = 3;
var stored = await StoredEntries.LoadAsync(args[0], maxBytes: 256L << 20);
var duration = TimeSpan.FromSeconds(double.Parse(args[2], CultureInfo.InvariantCulture));
var work = Path.Combine(args[1], "raw-append-log");
try
{
    var results = new List<DurableAppendRun.Result>();
    for (var run = 0; run < Runs; run++)
    {
        results.Add(await new DurableAppendRun(stored, Path.Combine(work, run.ToString(CultureInfo.InvariantCulture)), duration).RunAsync());
    }

    var ranked = results.OrderBy(r => r.Events / r.Seconds).ToList();
    var result = ranked[Runs / 2];
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
        runs = Runs,
        runs_events_per_s = results.Select(r => Math.Round(r.Events / r.Seconds)).ToArray(),
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
