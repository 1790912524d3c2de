using Collector.Bench.GrpcFloor;
using Collector.Host.Configuration;
using Collector.Host.Hosting;
using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// The floor of the standard gRPC stack: Kestrel + grpc-dotnet serving telemetry.v1.Collector/Stream with an Ack per
// batch at once, on the collector's Kestrel limits, gRPC options and runtime options, so the load tool's CPU per
// event against it is what the collector cannot go below on this machine (bench/run-all, "gRPC floor").
//   Collector.Bench.GrpcFloor --grpc-url http://127.0.0.1:PORT
if (args is not ["--grpc-url", var url] || !Uri.TryCreate(url, UriKind.Absolute, out var grpcUrl) || !string.Equals(grpcUrl.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: Collector.Bench.GrpcFloor --grpc-url http://127.0.0.1:PORT  (cleartext HTTP/2, like the collector's default)");
    return 2;
}

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

// The collector's appsettings.json levels: a request costs no log line.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

// The collector's defaults (CollectorOptions) through its own code where it has a public seam, so the floor follows them.
var collector = new CollectorOptions();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    // The collector's own server settings; its gRPC listener in cleartext is HTTP/2 only.
    CollectorApp.ApplyServerSettings(kestrel, collector);
    kestrel.Listen(ListenAddress.Parse(grpcUrl.ToString()), listen => listen.Protocols = HttpProtocols.Http2);
});
builder.Services.AddGrpc(grpc =>
{
    // As the collector's AddStandardGrpcServices: its request size limit, no limit on what it sends.
    grpc.MaxReceiveMessageSize = collector.MaxReceiveMessageBytes;
    grpc.MaxSendMessageSize = null;
});
builder.Services.AddSingleton<FloorStream>();
builder.Services.AddSingleton<IServiceMethodProvider<FloorStream>, FloorStream.Binder>();

await using var app = builder.Build();
app.MapGrpcService<FloorStream>();
await app.StartAsync();

// bench/run-all waits for this line before it starts the load.
Console.WriteLine($"listening on {grpcUrl}");
await app.WaitForShutdownAsync();
return 0;
