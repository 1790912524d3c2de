using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A minimal OTLP receiver for the self-telemetry tests: OTLP/gRPC on an h2c port and OTLP/HTTP protobuf on an
/// HTTP/1.1 port. It keeps each export's request bytes by path and answers success (an empty Export response).
/// </summary>
internal sealed class OtlpCaptureServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();

    private OtlpCaptureServer(WebApplication app, int grpcPort, int httpPort)
    {
        _app = app;
        GrpcEndpoint = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpEndpoint = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public Uri GrpcEndpoint { get; }

    public Uri HttpEndpoint { get; }

    public static async Task<OtlpCaptureServer> StartAsync()
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, httpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var server = new OtlpCaptureServer(app, grpcPort, httpPort);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>Bodies received on <paramref name="path"/> so far (gRPC bodies without their 5-byte frame header).</summary>
    public IReadOnlyList<byte[]> Bodies(string path) =>
        _requests.Where(r => string.Equals(r.Path, path, StringComparison.Ordinal)).Select(r => r.Body).ToList();

    public async Task<IReadOnlyList<byte[]>> WaitForAsync(string path, Func<IReadOnlyList<byte[]>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var bodies = Bodies(path);
            if (condition(bodies))
            {
                return bodies;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"OTLP capture: no {what} on {path} within {timeout} ({bodies.Count} requests there, paths seen: {string.Join(", ", _requests.Select(r => r.Path).Distinct())})");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var path = context.Request.Path.Value ?? string.Empty;
        if (string.Equals(context.Request.ContentType, "application/grpc", StringComparison.Ordinal)
            || (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) ?? false))
        {
            // One uncompressed message: the exporter sends no grpc-encoding.
            _requests.Enqueue((path, body.Length >= 5 ? body[5..] : body));
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5], context.RequestAborted);
            context.Response.AppendTrailer("grpc-status", "0");
            return;
        }

        _requests.Enqueue((path, body));
        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
