// A service process for the ClientSdk's kill tests (tests/Collector.Tests/ClientSdk/DurableSpoolTests.cs): one
// TelemetryClient logging numbered events at a steady pace, its Stats printed as a line every 10 ms for the test to read.
// The test kills it with -9; only --exit-when-flushed ends it by itself (after FlushAsync and Dispose).
//
//   dotnet TelemetryClientProcess.dll --collector http://127.0.0.1:PORT [--spool DIR] [--source ID] [--events N]
//     [--first V] [--burst B] [--sync-delay-ms D] [--spool-max-bytes M] [--exit-when-flushed]
//
// Event i: type DURABLE, component svc, value first+i, status "n<first+i>" (so a test can check it arrived intact).
using System.Globalization;
using Collector.ClientSdk;
using Collector.TelemetryClientProcess;

var options = new TelemetryClientOptions
{
    CollectorUrl = new Uri(Arg("--collector") ?? "http://127.0.0.1:9"),
    ServiceName = "telemetry-client-process",
    SourceId = Arg("--source"),
    DurableSpoolDirectory = Arg("--spool"),
    MinReconnectDelay = TimeSpan.FromMilliseconds(50),
    MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    DropWarningInterval = TimeSpan.Zero,
};
if (Arg("--sync-delay-ms") is { } delay)
{
    options.DurableSpoolSyncDelay = TimeSpan.FromMilliseconds(double.Parse(delay, CultureInfo.InvariantCulture));
}

if (Arg("--spool-max-bytes") is { } maxBytes)
{
    options.DurableSpoolMaxBytes = long.Parse(maxBytes, CultureInfo.InvariantCulture);
}

var events = long.Parse(Arg("--events") ?? "0", CultureInfo.InvariantCulture);
var first = long.Parse(Arg("--first") ?? "0", CultureInfo.InvariantCulture);
var burst = int.Parse(Arg("--burst") ?? "100", CultureInfo.InvariantCulture);

var client = new TelemetryClient(options, new StderrLogger<TelemetryClient>());
using var printing = new CancellationTokenSource();
var printer = Task.Run(async () =>
{
    while (!printing.IsCancellationRequested)
    {
        PrintStats(client.Stats);
        await Task.Delay(10, CancellationToken.None);
    }
});

Console.WriteLine("started");
for (var i = 0L; i < events; i++)
{
    var value = first + i;
    client.Log("DURABLE", "svc", value, null, "n" + value.ToString(CultureInfo.InvariantCulture));
    if ((i + 1) % burst == 0)
    {
        Thread.Sleep(1);
    }
}

Console.WriteLine($"logged-all {events}");
if (!args.Contains("--exit-when-flushed"))
{
    await Task.Delay(Timeout.Infinite);
}

await client.FlushAsync();
await client.DisposeAsync();
await printing.CancelAsync();
await printer;
PrintStats(client.Stats);
Console.WriteLine("exited");
return 0;

static void PrintStats(TelemetryStats s) => Console.WriteLine(string.Create(
    CultureInfo.InvariantCulture,
    $"stats logged={s.Logged} spooled={s.Spooled} acknowledged={s.Acknowledged} dropped={s.Dropped} buffered={s.Buffered} pending={s.SpoolPending} spool_bytes={s.SpoolBytes} cut={s.SpoolCutBytes} retries={s.Retries} connected={s.Connected}"));

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
