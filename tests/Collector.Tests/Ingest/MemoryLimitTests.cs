using System.Net;
using System.Text;
using Collector.Host.Ingest;
using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>
/// The memory limit: over it every way in refuses new batches with a retry hint and stores nothing (a real collector
/// process whose limit is below what it needs to run); the limit's own rules (hysteresis, sampling) with a reading
/// and a clock the test sets.
/// </summary>
public sealed class MemoryLimitTests : IDisposable
{
    private const long Limit = 100L << 20;

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Collector_OverItsMemoryLimit_EveryWayInRefusedWithRetryHint_NothingStored()
    {
        // 16 MiB: less than any .NET process holds, so the collector is over its limit from the first batch.
        using var collector = await CollectorProcess.StartAsync(_data.Path, "--memory-limit-bytes", "16777216");
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        var client = new TelemetryCollector.CollectorClient(channel);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var send = client.SendAsync(Events.Batch("memory-send", 1, 10));
        var sendRefusal = await Assert.ThrowsAsync<RpcException>(() => send.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, sendRefusal.StatusCode);
        Assert.Contains("over its memory limit", sendRefusal.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("limit 16 MiB, --memory-limit-bytes", sendRefusal.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1000", send.GetTrailers().GetValue("grpc-retry-pushback-ms"));

        using var stream = client.Stream();
        await stream.RequestStream.WriteAsync(Events.Batch("memory-stream", 1, 10));
        var streamRefusal = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.ResourceExhausted, streamRefusal.StatusCode);
        Assert.Equal("1000", stream.GetTrailers().GetValue("grpc-retry-pushback-ms"));

        using (var logs = await http.PostAsync(new Uri(collector.HttpUri, "/v1/logs"), new StringContent("""{"service":"memory","level":"INFO","message":"refused"}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, logs.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), logs.Headers.RetryAfter?.Delta);
            Assert.Contains("over its memory limit", await logs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var metrics = new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
        Assert.Equal(3, metrics.Value("collector_memory_refused_requests_total"));
        Assert.Equal(1, metrics.Value("collector_memory_over_limit"));
        Assert.Equal(16L << 20, metrics.Value("collector_memory_limit_bytes"));
        Assert.InRange(metrics.Value("collector_memory_resident_bytes"), 16L << 20, 4L << 30);

        var health = await collector.HealthAsync();
        Assert.True(health.GetProperty("memory").GetProperty("over_limit").GetBoolean());
        Assert.Equal(3, health.GetProperty("memory").GetProperty("refused_requests").GetInt64());
        Assert.Equal(0, health.GetProperty("ingest").GetProperty("batches").GetInt64());
        Assert.Contains("Memory limit reached", collector.Output, StringComparison.Ordinal);

        await collector.StopAsync();
        Assert.Empty(await LogContents.ReadDirectoryAsync(_data.Path));
    }

    [Fact]
    public async Task Collector_DefaultLimit_AQuarterOfTheMemoryAvailable_BatchesTaken()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        var client = new TelemetryCollector.CollectorClient(channel);

        Assert.Equal(10u, (await client.SendAsync(Events.Batch("memory-default", 1, 10))).Accepted);

        var memory = (await collector.HealthAsync()).GetProperty("memory");
        Assert.False(memory.GetProperty("over_limit").GetBoolean());
        Assert.Equal(MemoryLimit.DefaultLimitBytes(), memory.GetProperty("limit_bytes").GetInt64());
        Assert.True(memory.GetProperty("limit_bytes").GetInt64() >= 256L << 20);
    }

    [Fact]
    public void ThrowIfOver_RefusesFromTheLimitUntilUnder95Percent()
    {
        var (limit, reading, clock) = NewLimit();
        reading.Bytes = Limit - 1;
        limit.ThrowIfOver();

        reading.Bytes = Limit;
        clock.Advance(TimeSpan.FromMilliseconds(50));
        var refusal = Assert.Throws<OverMemoryLimitException>(limit.ThrowIfOver);
        Assert.Equal(TimeSpan.FromSeconds(1), refusal.RetryAfter);
        Assert.Contains("100 MiB resident, limit 100 MiB", refusal.Message, StringComparison.Ordinal);

        // Just under the limit is not enough to take batches again.
        reading.Bytes = (long)(Limit * 0.96);
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.Throws<OverMemoryLimitException>(limit.ThrowIfOver);

        reading.Bytes = (long)(Limit * 0.94);
        clock.Advance(TimeSpan.FromMilliseconds(50));
        limit.ThrowIfOver();
        Assert.False(limit.OverLimit);
        Assert.Equal(2, limit.RefusedRequests);
        Assert.Equal(1, limit.Episodes);
    }

    [Fact]
    public void ThrowIfOver_ReadsAtMostEvery50Milliseconds()
    {
        var (limit, reading, clock) = NewLimit();
        reading.Bytes = 10;
        limit.ThrowIfOver();
        Assert.Equal(1, reading.Reads);

        reading.Bytes = Limit * 2;
        clock.Advance(TimeSpan.FromMilliseconds(49));
        limit.ThrowIfOver();
        Assert.Equal(1, reading.Reads);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Throws<OverMemoryLimitException>(limit.ThrowIfOver);
        Assert.Equal(2, reading.Reads);
        Assert.Equal(Limit * 2, limit.ResidentBytes);
    }

    [Fact]
    public void ResidentMemory_ReadsThisProcess()
    {
        var resident = ResidentMemory.ReadBytes();

        // The kernel's count and the runtime's own view of the working set agree to within what a GC may move.
        Assert.InRange(resident, 16L << 20, 64L << 30);
        Assert.InRange(Environment.WorkingSet, resident / 2, resident * 2);
    }

    private static (MemoryLimit Limit, SettableReading Reading, SteppedClock Clock) NewLimit()
    {
        var reading = new SettableReading();
        var clock = new SteppedClock();
        return (new MemoryLimit(Limit, reading.Read, NullLogger<MemoryLimit>.Instance, clock), reading, clock);
    }

    private sealed class SettableReading
    {
        public long Bytes { get; set; }

        public int Reads { get; private set; }

        public long Read()
        {
            Reads++;
            return Bytes;
        }
    }

    /// <summary>A clock that moves only when told, in milliseconds (its first reading is not 0, which means "never").</summary>
    private sealed class SteppedClock : TimeProvider
    {
        private long _milliseconds = 1_000;

        public override long TimestampFrequency => 1_000;

        public override long GetTimestamp() => _milliseconds;

        public void Advance(TimeSpan by) => _milliseconds += (long)by.TotalMilliseconds;
    }
}
