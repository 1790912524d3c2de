using System.Collections.Concurrent;
using System.Globalization;
using Collector.Forwarder.Otlp.V1;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using static Collector.Tests.Otlp.OtlpEventMapperTests;

namespace Collector.Tests.Otlp;

/// <summary>
/// kill -9 of a collector process (real ClickHouse) while OTLP metrics and trace exports stream in over gRPC: after
/// a restart every acknowledged request's points and spans are stored exactly once, and nothing is stored twice.
/// </summary>
[Collection("clickhouse")]
public sealed class OtlpCrashTests(ClickHouseFixture fixture) : IDisposable
{
    private const int ItemsPerRequest = 10;
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9DuringOtlpMetricsAndTracesLoad_Restart_EveryAcknowledgedRequestStoredOnce()
    {
        string[] args = ["--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "50"];
        var acknowledged = new ConcurrentBag<int>();
        using (var collector = await CollectorProcess.StartAsync(_data.Path, args))
        {
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
            var metrics = new MetricsService.MetricsServiceClient(channel);
            var traces = new TraceService.TraceServiceClient(channel);
            var next = 0;
            var senders = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    var request = Interlocked.Increment(ref next);
                    try
                    {
                        var rejected = request % 2 == 0
                            ? (await metrics.ExportAsync(Metrics(request))).PartialSuccess?.RejectedDataPoints
                            : (await traces.ExportAsync(Traces(request))).PartialSuccess?.RejectedSpans;
                        Assert.True(rejected is null or 0, $"request {request} had rejections");
                        acknowledged.Add(request);
                    }
                    catch (RpcException)
                    {
                        // The collector was killed: this request and the ones after it have no answer.
                        return;
                    }
                }
            })).ToList();

            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await CountOrZeroAsync(MetricPointsTable.Name) == 0 || await CountOrZeroAsync(SpansTable.Name) == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "no rows reached ClickHouse in 60 s");
                await Task.Delay(20);
            }

            await collector.KillAsync();
            await Task.WhenAll(senders);
        }

        Assert.NotEmpty(acknowledged);
        using (var restarted = await CollectorProcess.StartAsync(_data.Path, args))
        {
            var stored = await WaitForStableAsync(acknowledged.Count * ItemsPerRequest, () => restarted.Output);
            foreach (var request in acknowledged)
            {
                for (var item = 0; item < ItemsPerRequest; item++)
                {
                    Assert.Equal(1, stored.GetValueOrDefault((request, item)));
                }
            }

            Assert.All(stored, pair => Assert.Equal(1, pair.Value));
            await restarted.StopAsync();
        }
    }

    private static ExportMetricsServiceRequest Metrics(int request)
    {
        var gauge = new Gauge();
        for (var item = 0; item < ItemsPerRequest; item++)
        {
            gauge.DataPoints.Add(new NumberDataPoint { TimeUnixNano = Now(), AsInt = item, Attributes = { Keys(request, item) } });
        }

        return new ExportMetricsServiceRequest
        {
            ResourceMetrics = { new ResourceMetrics { Resource = Service(), ScopeMetrics = { new ScopeMetrics { Metrics = { new Metric { Name = "crash.gauge", Gauge = gauge } } } } } },
        };
    }

    private static ExportTraceServiceRequest Traces(int request)
    {
        var scope = new ScopeSpans();
        for (var item = 0; item < ItemsPerRequest; item++)
        {
            scope.Spans.Add(new Span
            {
                TraceId = Id(16, request, 0),
                SpanId = Id(8, request, item + 1),
                Name = "crash.span",
                StartTimeUnixNano = Now(),
                EndTimeUnixNano = Now() + 1000,
                Attributes = { Keys(request, item) },
            });
        }

        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = Service(), ScopeSpans = { scope } } } };
    }

    private static KeyValue[] Keys(int request, int item) =>
        [Attr("req", Text(request.ToString(CultureInfo.InvariantCulture))), Attr("item", Text(item.ToString(CultureInfo.InvariantCulture)))];

    private static Resource Service() => new() { Attributes = { Attr("service.name", Text("crash")) } };

    private static ByteString Id(int length, int request, int item)
    {
        var bytes = new byte[length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), request);
        BitConverter.TryWriteBytes(bytes.AsSpan(length - 4, 4), item + 1);
        return ByteString.CopyFrom(bytes);
    }

    private static ulong Now() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    /// <summary>Waits until both tables hold at least <paramref name="atLeast"/> rows together and stop changing; returns rows per (request, item).</summary>
    private async Task<Dictionary<(int Request, int Item), int>> WaitForStableAsync(int atLeast, Func<string> output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        var previous = -1L;
        while (true)
        {
            var count = (long)await CountOrZeroAsync(MetricPointsTable.Name) + (long)await CountOrZeroAsync(SpansTable.Name);
            Assert.DoesNotContain("crit:", output(), StringComparison.Ordinal);
            if (count >= atLeast && count == previous)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{count} rows after 90 s, {atLeast} acknowledged\n{output()}");
            previous = count;
            await Task.Delay(1500);
        }

        using var client = fixture.Server.CreateClient(_database);
        var stored = new Dictionary<(int, int), int>();
        foreach (var table in new[] { MetricPointsTable.Name, SpansTable.Name })
        {
            var rows = await client.QueryAsync(
                $"SELECT attribute_values[indexOf(attribute_keys, 'req')] AS req, attribute_values[indexOf(attribute_keys, 'item')] AS item, count() AS n FROM {SqlText.Identifier(table)} GROUP BY req, item");
            foreach (var row in rows)
            {
                var key = (int.Parse(row.GetProperty("req").GetString()!, CultureInfo.InvariantCulture), int.Parse(row.GetProperty("item").GetString()!, CultureInfo.InvariantCulture));
                stored[key] = stored.GetValueOrDefault(key) + int.Parse(row.GetProperty("n").ToString(), CultureInfo.InvariantCulture);
            }
        }

        return stored;
    }

    private async Task<ulong> CountOrZeroAsync(string table)
    {
        try
        {
            using var client = fixture.Server.CreateClient(_database);
            var rows = await client.QueryAsync($"SELECT count() AS v FROM {SqlText.Identifier(table)}");
            return ulong.Parse(rows[0].GetProperty("v").GetString()!, CultureInfo.InvariantCulture);
        }
        catch (ClickHouseException)
        {
            return 0;
        }
    }
}
