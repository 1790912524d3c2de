using System.Net;
using System.Net.Sockets;
using System.Text;
using Collector.Protocol.Telemetry.V1;
using Collector.Host.Security;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Collector.Tests.Security;

/// <summary>Concurrent calls, events per second per key, slow-loris clients and oversized headers, on the real collector.</summary>
public sealed class LimitTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Streams_OverMaxConcurrentStreams_ExtraOneResourceExhausted_OthersGoOn()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?> { ["Collector:MaxConcurrentStreams"] = "2" });
        var client = collector.CreateClient();
        using var first = client.Stream();
        using var second = client.Stream();
        Assert.Equal(5u, await SendOnAsync(first, "first", 1));
        Assert.Equal(5u, await SendOnAsync(second, "second", 1));

        // Read, not write: the refusal is Trailers-Only at once, and a write racing it would see only the reset stream.
        var extra = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var third = client.Stream();
            await third.ResponseStream.ReadNextAsync();
        });

        Assert.Equal(StatusCode.ResourceExhausted, extra.StatusCode);
        Assert.Equal("the collector already serves 2 concurrent calls (MaxConcurrentStreams); retry later", extra.Status.Detail);
        Assert.Equal(5u, await SendOnAsync(first, "first", 6));
        Assert.Equal(5u, await SendOnAsync(second, "second", 6));

        // A slot given back is free for the next call.
        await first.RequestStream.CompleteAsync();
        Assert.Null(await first.ResponseStream.ReadNextAsync());
        using var fourth = client.Stream();
        Assert.Equal(5u, await SendOnAsync(fourth, "fourth", 1));
        Assert.Equal(1, collector.App.Services.GetRequiredService<SecurityCounters>().RefusedCalls);
    }

    [Fact]
    public async Task Key_OverItsEventRate_ResourceExhaustedAndNothingStored_OtherKeyUnaffected()
    {
        const string fastKey = "fast-0123456789abcdef";
        const string otherKey = "other-0123456789abcdef";
        const string spareKey = "spare-0123456789abcdef";
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ApiKeys:0:Name"] = "fast",
            ["Collector:ApiKeys:0:Role"] = "ingest",
            ["Collector:ApiKeys:0:Key"] = fastKey,
            ["Collector:ApiKeys:1:Name"] = "other",
            ["Collector:ApiKeys:1:Role"] = "ingest",
            ["Collector:ApiKeys:1:Key"] = otherKey,
            ["Collector:ApiKeys:2:Name"] = "spare",
            ["Collector:ApiKeys:2:Role"] = "ingest",
            ["Collector:ApiKeys:2:Key"] = spareKey,

            // One event per second after a burst of 100: the second batch cannot fit during the test.
            ["Collector:MaxEventsPerSecondPerKey"] = "1",
            ["Collector:EventBurstPerKey"] = "100",
        });
        var client = collector.CreateClient();

        Assert.Equal(100u, (await client.SendAsync(Events.Batch("fast-source", 1, 100), Bearer(fastKey))).Accepted);
        var tail = collector.App.Log.TailAddress;
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.SendAsync(Events.Batch("fast-source", 101, 50), Bearer(fastKey)).ResponseAsync);
        var tailAfterRefusal = collector.App.Log.TailAddress;
        var otherAck = await client.SendAsync(Events.Batch("other-source", 1, 100), Bearer(otherKey));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("key 'fast' is over its limit of 1 events per second; this batch of 50 events was not stored", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(tail, tailAfterRefusal);
        Assert.Equal(100u, otherAck.Accepted);
        var counters = collector.App.Services.GetRequiredService<Collector.Host.Ingest.IngestCounters>();
        Assert.Equal(200, counters.Accepted);
        Assert.Equal(50, collector.App.Services.GetRequiredService<SecurityCounters>().RateLimitedEvents);

        // The refused batch left no trace: sending it again (with a key that has room) stores all 50, none a duplicate.
        var retry = await client.SendAsync(Events.Batch("fast-source", 101, 50), Bearer(spareKey));
        Assert.Equal(50u, retry.Accepted);
        Assert.Equal(0u, retry.Duplicates);
    }

    [Fact]
    public async Task Key_OverItsEventRate_OnJsonOtlpHttpAndOtlpGrpc_RefusedWholeWithRetryAfter()
    {
        const string key = "http-0123456789abcdef";
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ApiKeys:0:Name"] = "http",
            ["Collector:ApiKeys:0:Role"] = "ingest",
            ["Collector:ApiKeys:0:Key"] = key,
            ["Collector:MaxEventsPerSecondPerKey"] = "1",
            ["Collector:EventBurstPerKey"] = "3",
        });
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        const string entry = """{"service":"svc","level":"INFO","message":"m"}""";

        using var first = await http.PostAsync(new Uri(collector.HttpUri, "/v1/logs"), new StringContent($"[{entry},{entry},{entry}]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var tail = collector.App.Log.TailAddress;

        // Two sources in one request: refused as a whole, not the first source stored and the second refused.
        using var json = await http.PostAsync(new Uri(collector.HttpUri, "/v1/logs"), new StringContent($$"""[{{entry}},{"service":"other","level":"WARN","message":"m"}]""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, json.StatusCode);
        Assert.True(json.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        using var refusal = System.Text.Json.JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.ResourceExhausted, refusal.RootElement.GetProperty("code").GetInt32());
        Assert.StartsWith("key 'http' is over its limit of 1 events per second", refusal.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        var otlp = new Collector.Forwarder.Otlp.V1.ExportLogsServiceRequest
        {
            ResourceLogs = { new Collector.Forwarder.Otlp.V1.ResourceLogs { ScopeLogs = { new Collector.Forwarder.Otlp.V1.ScopeLogs { LogRecords = { new Collector.Forwarder.Otlp.V1.LogRecord(), new Collector.Forwarder.Otlp.V1.LogRecord() } } } } },
        };
        using var protobuf = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(otlp));
        protobuf.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        using var otlpHttp = await http.PostAsync(new Uri(collector.HttpUri, "/v1/logs"), protobuf);
        Assert.Equal(HttpStatusCode.TooManyRequests, otlpHttp.StatusCode);
        Assert.NotNull(otlpHttp.Headers.RetryAfter);

        var otlpGrpc = await RawGrpc.PostAsync(
            collector.GrpcUri, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", RawGrpc.Frame(Google.Protobuf.MessageExtensions.ToByteArray(otlp)),
            headers: new Dictionary<string, string>(StringComparer.Ordinal) { ["authorization"] = $"Bearer {key}" });
        Assert.Equal(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), otlpGrpc.GrpcStatus);

        Assert.Equal(tail, collector.App.Log.TailAddress);
        Assert.Equal(6, collector.App.Services.GetRequiredService<SecurityCounters>().RateLimitedEvents);
    }

    [Fact]
    public async Task SlowLorisClient_HeadersOneBytePerSecond_DisconnectedBeforeItFinishes()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?> { ["Collector:RequestHeadersTimeoutMs"] = "2000" });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, collector.HttpUri.Port));
        var request = Encoding.ASCII.GetBytes("GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + new string('z', 40) + "\r\n\r\n");
        var answer = ReadUntilClosedAsync(socket);

        var sent = 0;
        while (sent < request.Length && !answer.IsCompleted)
        {
            try
            {
                await socket.SendAsync(request.AsMemory(sent, 1));
            }
            catch (SocketException)
            {
                break;
            }

            sent++;
            await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        var response = await answer;
        Assert.True(sent < request.Length, $"the collector waited for all {request.Length} bytes of headers");
        Assert.True(response.Length == 0 || response.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), response);
        Assert.DoesNotContain("200 OK", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedHeaders_Http11_431()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?> { ["Collector:MaxRequestHeadersBytes"] = "4096" });
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        using var small = new HttpRequestMessage(HttpMethod.Get, new Uri("/healthcheck", UriKind.Relative));
        small.Headers.Add("X-Fill", new string('a', 2000));
        using var large = new HttpRequestMessage(HttpMethod.Get, new Uri("/healthcheck", UriKind.Relative));
        large.Headers.Add("X-Fill", new string('a', 5000));

        using var fits = await http.SendAsync(small);
        using var tooLarge = await http.SendAsync(large);

        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, tooLarge.StatusCode);
    }

    private static async Task<uint> SendOnAsync(AsyncDuplexStreamingCall<EventBatch, Ack> call, string source, ulong first)
    {
        await call.RequestStream.WriteAsync(Events.Batch(source, first, 5));
        var ack = await call.ResponseStream.ReadNextAsync();
        return ack?.Accepted ?? throw new InvalidOperationException("the call ended without an Ack");
    }

    private static Metadata Bearer(string key) => new() { { "authorization", "Bearer " + key } };

    private static async Task<string> ReadUntilClosedAsync(Socket socket)
    {
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (SocketException)
        {
            // A reset is a disconnect too.
        }

        return received.ToString();
    }
}
