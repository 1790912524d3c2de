using System.Globalization;
using System.Text.Json;
using Collector.Bench.DiskSync;

// The disk's own durable-write tail, the reference for the collector's ack latency: write + fdatasync, one at a time,
// of 64 KiB appends (a log segment write) and of 512-byte overwrites (a commit record), in the given directory, which
// must be on the filesystem under test (bench/run-all gives it one beside the collectors' data dirs).
//   Collector.Bench.DiskSync <directory> <out.json> [iterations [warm-up]]
const int BlockBytes = 64 * 1024;
const int RecordBytes = 512;
if (args.Length is < 2 or > 4
    || !TryCount(args, 2, 2000, out var iterations) || iterations < 1
    || !TryCount(args, 3, 100, out var warmUp))
{
    Console.Error.WriteLine("usage: Collector.Bench.DiskSync <directory> <out.json> [iterations (2000) [warm-up writes (100)]]");
    return 2;
}

var directory = Directory.CreateDirectory(args[0]).FullName;
var appendFile = Path.Combine(directory, "append-64k.bin");
var recordFile = Path.Combine(directory, "record-512.bin");
try
{
    var append = SyncLatency.Of(BlockBytes, "append at the end of a growing file (not preallocated)", SyncedWrites.Append(appendFile, BlockBytes, warmUp, iterations));
    var record = SyncLatency.Of(RecordBytes, "overwrite of one of two fixed slots of a preallocated file, alternating", SyncedWrites.OverwriteSlots(recordFile, RecordBytes, warmUp, iterations));
    var mount = MountPoint.Of(directory);
    var summary = new
    {
        directory,
        filesystem = mount,
        sync = "RandomAccess.Write (pwrite) then fdatasync(2) after each write, one at a time on one thread",
        warm_up = warmUp,
        append_64k = append,
        record_512 = record,
    };
    var json = JsonSerializer.Serialize(summary, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
    await File.WriteAllTextAsync(args[1], json + "\n");
    Console.WriteLine(json);
    return 0;
}
finally
{
    File.Delete(appendFile);
    File.Delete(recordFile);
}

static bool TryCount(string[] args, int index, int fallback, out int value)
{
    value = fallback;
    return args.Length <= index || (int.TryParse(args[index], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 0);
}
