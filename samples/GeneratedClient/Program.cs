using Collector.Protocol.Telemetry.V1;
using GeneratedClient;
using Grpc.Core;
using Grpc.Net.Client;

// The alias: a bare "Collector" names the Collector.* namespaces, the proto's service class needs its full name.
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

// Sends events to a collector with the client Grpc.Tools generates from proto/telemetry/v1/telemetry.proto, no SDK:
// a stream of batches, then one more batch with the unary Send. Prints one line per call; exits 0 when every batch
// was acknowledged in full, 1 when not or when the collector refused a call, 2 on a bad command line.
if (!SampleOptions.TryParse(args, out var options, out var usageError))
{
    Console.Error.WriteLine(usageError);
    return 2;
}

using var channel = GrpcChannel.ForAddress(options.CollectorUrl);
var client = new TelemetryCollector.CollectorClient(channel);
var headers = new Metadata();
if (options.ApiKey is { } key)
{
    headers.Add("authorization", "Bearer " + key);
}

using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
var streamed = Enumerable.Range(0, options.Batches)
    .Select(b => SampleBatches.Create(options.SourceId, 1 + ((ulong)b * (ulong)options.EventsPerBatch), options.EventsPerBatch))
    .ToList();
var single = SampleBatches.Create(options.SourceId, 1 + ((ulong)options.Batches * (ulong)options.EventsPerBatch), options.EventsPerBatch);
try
{
    var stream = await SampleCalls.StreamAsync(client, streamed, headers, stop.Token);
    Console.WriteLine("stream: " + stream);
    var send = await SampleCalls.SendAsync(client, single, headers, stop.Token);
    Console.WriteLine("send: " + send);
    return stream.Complete && send.Complete ? 0 : 1;
}
catch (RpcException ex)
{
    Console.Error.WriteLine($"the collector refused the call: {ex.StatusCode}: {ex.Status.Detail}");
    return 1;
}
