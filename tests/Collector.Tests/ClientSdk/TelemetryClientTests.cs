using Collector.ClientSdk;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClientSdk;

/// <summary>The SDK against a real collector process: everything logged is stored once, whatever the collector does.</summary>
public sealed class TelemetryClientTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Log_MillionEventsFromEightThreads_AllAcknowledgedAndStoredOnce()
    {
        const int Threads = 8;
        const int PerThread = 125_000;
        using var collector = await CollectorProcess.StartAsync(_data.Path);

        // Eight threads log far faster than one stream can carry: the buffer must hold the burst (about 100 MB).
        var options = Options(collector.GrpcUri);
        options.MaxBufferedBytes = 256L * 1024 * 1024;
        await using (var client = new TelemetryClient(options))
        {
            await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    Assert.True(client.LogThoughtLatency("gemma2:27b", TimeSpan.FromMilliseconds(i % 1000), 1 + (i % 50), 7));
                }
            })));

            await client.FlushAsync().WaitAsync(Timeout);
            var stats = client.Stats;
            Assert.Equal(Threads * PerThread, stats.Logged);
            Assert.Equal(Threads * PerThread, stats.Acknowledged);
            Assert.Equal(0, stats.Dropped);
            Assert.Equal(0, stats.Buffered);
            Assert.NotNull(stats.LastAck);
        }

        await collector.StopAsync();
        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        Assert.Equal(Threads * PerThread, stored.Count);
        Assert.Equal(stored.Count, stored.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task Log_CollectorKilledAndRestartedMidStream_NothingLostNothingTwice()
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        const int Count = 200_000;
        var collector = await CollectorProcess.StartAsync(_data.Path, grpcPort, httpPort);
        try
        {
            await using var client = new TelemetryClient(Options(collector.GrpcUri));
            var logging = Task.Run(async () =>
            {
                for (var i = 0; i < Count; i++)
                {
                    Assert.True(client.Log("STEP", "worker", i));
                    if (i % 1000 == 0)
                    {
                        await Task.Delay(1);
                    }
                }
            });

            await WaitUntilAsync(() => client.Stats.Acknowledged > 20_000);
            await collector.KillAsync();
            collector.Dispose();
            await WaitUntilAsync(() => client.Stats.Retries > 0);
            collector = await CollectorProcess.StartAsync(_data.Path, grpcPort, httpPort);
            await logging;
            await client.FlushAsync().WaitAsync(Timeout);
            Assert.Equal(Count, client.Stats.Acknowledged);
            Assert.Equal(0, client.Stats.Dropped);
            await collector.StopAsync();
        }
        finally
        {
            collector.Dispose();
        }

        var stored = await LogContents.ReadDirectoryAsync(_data.Path);
        var values = stored.Select(e => (int)e.Event.Value).Order().ToList();
        Assert.Equal(Enumerable.Range(0, Count), values);
    }

    [Fact]
    public async Task Log_CollectorAbsentAtStart_BufferedThenDeliveredWhenItAppears()
    {
        var grpcPort = FreePort.Next();
        await using var client = new TelemetryClient(Options(new Uri($"http://127.0.0.1:{grpcPort}")));
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(client.Log("EARLY", "svc", i));
        }

        await WaitUntilAsync(() => client.Stats.Retries >= 2);
        Assert.Equal(1000, client.Stats.Buffered);
        Assert.False(client.Stats.Connected);

        using var collector = await CollectorProcess.StartAsync(_data.Path, grpcPort, FreePort.Next());
        await client.FlushAsync().WaitAsync(Timeout);
        Assert.Equal(1000, client.Stats.Acknowledged);
        Assert.Equal(0, client.Stats.Buffered);
        var health = await collector.HealthAsync();
        Assert.Equal(1000, health.GetProperty("ingest").GetProperty("accepted").GetInt64());
    }

    [Theory]
    [InlineData(DropPolicy.DropOldest)]
    [InlineData(DropPolicy.DropNewest)]
    public async Task Log_BufferFullWhileCollectorAway_PolicyDecidesWhichSurviveAndCountsAreExact(DropPolicy policy)
    {
        var grpcPort = FreePort.Next();
        var options = Options(new Uri($"http://127.0.0.1:{grpcPort}"));
        options.MaxBufferedEvents = 1000;
        options.DropPolicy = policy;
        await using var client = new TelemetryClient(options);
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            accepted += client.Log("FILL", "svc", i) ? 1 : 0;
        }

        var stats = client.Stats;
        Assert.Equal(1000, stats.Buffered);
        Assert.Equal(4000, stats.Dropped);
        Assert.Equal(policy == DropPolicy.DropOldest ? 5000 : 1000, accepted);

        using var collector = await CollectorProcess.StartAsync(_data.Path, grpcPort, FreePort.Next());
        await client.FlushAsync().WaitAsync(Timeout);
        await collector.StopAsync();
        var values = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => (int)e.Event.Value).Order().ToList();
        var expected = policy == DropPolicy.DropOldest ? Enumerable.Range(4000, 1000) : Enumerable.Range(0, 1000);
        Assert.Equal(expected, values);
    }

    [Fact]
    public async Task Dispose_FlushesWhatWasLogged()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        await using (var client = new TelemetryClient(Options(collector.GrpcUri)))
        {
            for (var i = 0; i < 5000; i++)
            {
                client.Log("BEFORE_DISPOSE", "svc", i);
            }
        }

        var health = await collector.HealthAsync();
        Assert.Equal(5000, health.GetProperty("ingest").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Dispose_CollectorAway_ReturnsWithinTimeoutAndCountsWhatWasLeft()
    {
        var options = Options(new Uri($"http://127.0.0.1:{FreePort.Next()}"));
        options.DisposeFlushTimeout = TimeSpan.FromMilliseconds(200);
        var client = new TelemetryClient(options);
        for (var i = 0; i < 100; i++)
        {
            client.Log("NEVER_DELIVERED", "svc", i);
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        await client.DisposeAsync();
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        Assert.Equal(100, client.Stats.Dropped);
        Assert.Equal(0, client.Stats.Buffered);
        Assert.False(client.Log("AFTER_DISPOSE"));
        await client.FlushAsync().WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Metadata_EachKind_StoredWithItsFieldsAndEfficiencyMath()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        await using (var client = new TelemetryClient(Options(collector.GrpcUri)))
        {
            client.LogThoughtLatency("gemma2:27b", TimeSpan.FromMilliseconds(1500), 300, 40);
            client.LogThoughtLatency("gemma2:27b", TimeSpan.FromMilliseconds(900), 0, 12);
            client.LogLoadLatency("llama3:8b", TimeSpan.FromMilliseconds(2345.5), success: false);
            client.LogVramCheck(1, 2048, 22528, 24576);
            client.Log(Severity.Warn, "disk almost full", "storage");
            client.LogVramLockout(3, 4096, 1536.5);
            using (client.Time("INDEX_BUILD", "search"))
            {
                // Task.Delay may wake a little early; the stopwatch (started inside the scope) may not.
                var inside = System.Diagnostics.Stopwatch.StartNew();
                while (inside.Elapsed < TimeSpan.FromMilliseconds(20))
                {
                    await Task.Delay(5);
                }
            }

            using (client.Time(TelemetryClient.LoadLatency, "phi3:mini"))
            {
            }

            await client.FlushAsync().WaitAsync(Timeout);
        }

        await collector.StopAsync();
        var stored = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Event).ToList();
        var timedLoad = stored[7];
        Assert.Equal(("LOAD_LATENCY", "phi3:mini", "ok"), (timedLoad.EventType, timedLoad.Component, timedLoad.Status));
        Assert.Equal("phi3:mini", timedLoad.Attributes["model"]);
        Assert.True(timedLoad.Attributes.ContainsKey("load_time_ms"));
        var thought = stored[0];
        Assert.Equal("THOUGHT_LATENCY", thought.EventType);
        Assert.Equal(5.0, thought.Value, 9);
        Assert.Equal("1500", thought.Attributes["inference_time_ms"]);
        Assert.Equal("300", thought.Attributes["tokens_generated"]);
        Assert.Equal("40", thought.Attributes["prompt_tokens"]);
        Assert.Equal("340", thought.Attributes["total_tokens"]);
        Assert.Equal("5", thought.Attributes["latency_per_token_ms"]);
        Assert.Equal(300u, thought.TokensGenerated);

        var zero = stored[1];
        Assert.Equal(0, zero.Value);
        Assert.StartsWith("no_tokens", zero.Status, StringComparison.Ordinal);
        Assert.False(zero.Attributes.ContainsKey("latency_per_token_ms"));

        var load = stored[2];
        Assert.Equal(("LOAD_LATENCY", "llama3:8b", "failed"), (load.EventType, load.Component, load.Status));
        Assert.Equal(2.3455, load.Value, 9);
        Assert.Equal("2345.5", load.Attributes["load_time_ms"]);
        Assert.Equal("llama3:8b", load.Attributes["model"]);

        var vram = stored[3];
        Assert.Equal(("VRAM_CHECK", "gpu1", 2048.0), (vram.EventType, vram.Component, vram.Value));
        Assert.Equal("91.66666666666667", vram.Attributes["utilization_pct"]);

        Assert.Equal(("LOG", Severity.Warn, "disk almost full"), (stored[4].EventType, stored[4].Severity, stored[4].Message));
        var lockout = stored[5];
        Assert.Equal(("VRAM_LOCKOUT", "gpu3", 0.0, Severity.Warn, "locked_out"), (lockout.EventType, lockout.Component, lockout.Value, lockout.Severity, lockout.Status));
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal) { ["gpu_id"] = "3", ["trigger_threshold"] = "4096", ["free_vram"] = "1536.5" }, lockout.Attributes);
        Assert.Equal("INDEX_BUILD", stored[6].EventType);
        Assert.True(stored[6].Value >= 0.02, $"timed {stored[6].Value} s");
        Assert.All(stored, e => Assert.NotEqual(0ul, e.TimeUnixNano));
    }

    [Fact]
    public async Task Log_HostileInput_NeverThrowsAndEverythingIsHandled()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        await using var client = new TelemetryClient(Options(collector.GrpcUri));
        var huge = new string('x', 1_000_000);
        var loneSurrogate = "bad\ud800text";
        client.Log(null!, null, double.NaN);
        client.Log(huge, huge, double.PositiveInfinity, new Dictionary<string, string> { [huge] = huge, [""] = "empty key" }, huge);
        client.Log(loneSurrogate, loneSurrogate, -0.0, null, loneSurrogate);
        client.Log((Severity)99, null!, null, null);
        client.Log(Severity.Error, huge);
        client.Log((Event)null!);
        client.LogLoadLatency(null!, TimeSpan.FromSeconds(-5));
        client.LogThoughtLatency(huge, TimeSpan.MinValue, -10, -3);
        client.LogThoughtLatency("m", TimeSpan.MaxValue, int.MaxValue, int.MaxValue);
        client.LogVramCheck(-1, double.NaN, double.NegativeInfinity, 0);
        client.LogVramLockout(int.MinValue, double.PositiveInfinity, double.NaN);
        using (client.Time(null!, null))
        {
        }

        default(TelemetryScope).Dispose();
        Assert.True(client.MeasureLatency(client.StartTimer()) >= TimeSpan.Zero);

        await client.FlushAsync().WaitAsync(Timeout);
        var stats = client.Stats;
        Assert.Equal(11, stats.Logged);
        Assert.Equal(11, stats.Acknowledged);
        Assert.Equal(0, stats.Rejected);
        Assert.Equal(0, stats.Dropped);
    }

    [Fact]
    public async Task Spool_ServiceRestartsWhileCollectorAway_NextClientSendsWhatTheLastCouldNot()
    {
        var grpcPort = FreePort.Next();
        var spool = Path.Combine(_data.Path, "spool");
        var sourceId = $"spooling-{Guid.NewGuid():N}";
        TelemetryClientOptions Spooling()
        {
            var options = Options(new Uri($"http://127.0.0.1:{grpcPort}"));
            options.SourceId = sourceId;
            options.SpoolDirectory = spool;
            options.DisposeFlushTimeout = TimeSpan.FromMilliseconds(300);
            return options;
        }

        await using (var first = new TelemetryClient(Spooling()))
        {
            for (var i = 0; i < 500; i++)
            {
                first.Log("BEFORE_RESTART", "svc", i);
            }

            await WaitUntilAsync(() => first.Stats.Retries >= 1);
        }

        Assert.Single(Directory.GetFiles(spool, "*.spool"));

        using var collector = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "collector"), grpcPort, FreePort.Next());
        await using (var second = new TelemetryClient(Spooling()))
        {
            Assert.Equal(500, second.Stats.Buffered);
            for (var i = 500; i < 600; i++)
            {
                second.Log("AFTER_RESTART", "svc", i);
            }

            await second.FlushAsync().WaitAsync(Timeout);
            Assert.Equal(600, second.Stats.Acknowledged);
        }

        Assert.Empty(Directory.GetFiles(spool, "*.spool"));
        await collector.StopAsync();
        var values = (await LogContents.ReadDirectoryAsync(Path.Combine(_data.Path, "collector"))).Select(e => (int)e.Event.Value).ToList();
        Assert.Equal(Enumerable.Range(0, 600), values);
    }

    [Fact]
    public async Task Metrics_Instruments_ReportTheSameCountsAsStats()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        var measured = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Collector.ClientSdk")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => measured[instrument.Name] = value);
        listener.Start();

        await using var client = new TelemetryClient(Options(collector.GrpcUri));
        for (var i = 0; i < 250; i++)
        {
            client.Log("METERED", "svc", i);
        }

        await client.FlushAsync().WaitAsync(Timeout);
        listener.RecordObservableInstruments();
        Assert.Equal(250, measured["telemetry.client.logged"]);
        Assert.Equal(250, measured["telemetry.client.acknowledged"]);
        Assert.Equal(0, measured["telemetry.client.dropped"]);
        Assert.Equal(0, measured["telemetry.client.buffered"]);
        Assert.Equal(client.Stats.Sent, measured["telemetry.client.sent"]);
    }

    [Fact]
    public async Task Tls_CollectorWithPrivateCertificate_DeliveredWhenValidatedRefusedOtherwise()
    {
        using var certificate = Ingest.TlsTests.CreateSelfSigned();
        var certPath = Path.Combine(_data.Path, "collector.crt");
        var keyPath = Path.Combine(_data.Path, "collector.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using (var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!)
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var grpcPort = FreePort.Next();
        var https = new Uri($"https://127.0.0.1:{grpcPort}");
        using var collector = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "collector"), grpcPort, FreePort.Next(), "--grpc-url", https.ToString(), "--tls-certificate", certPath, "--tls-key", keyPath);

        var trusting = Options(https);
        trusting.ValidateServerCertificate = presented => presented.Thumbprint == certificate.Thumbprint;
        await using (var client = new TelemetryClient(trusting))
        {
            client.Log("OVER_TLS", "svc", 1);
            await client.FlushAsync().WaitAsync(Timeout);
            Assert.Equal(1, client.Stats.Acknowledged);
        }

        // The system store does not know this certificate: the client keeps the event and retries.
        var refusing = Options(https);
        refusing.DisposeFlushTimeout = TimeSpan.FromMilliseconds(200);
        await using var untrusting = new TelemetryClient(refusing);
        untrusting.Log("REFUSED", "svc", 2);
        await WaitUntilAsync(() => untrusting.Stats.Retries >= 2);
        Assert.Equal(0, untrusting.Stats.Acknowledged);
        Assert.Equal(1, untrusting.Stats.Buffered);
    }

    [Fact]
    public void Constructor_HeaderMetadataCannotCarry_ArgumentExceptionNamesItButNotItsValue()
    {
        var options = Options(new Uri($"http://127.0.0.1:{FreePort.Next()}"));
        options.Headers["Authorization"] = "Bearer fine-key";
        options.Headers["api-key-bin"] = "secret-value";

        var error = Assert.Throws<ArgumentException>(() => new TelemetryClient(options));

        Assert.Contains("header 'api-key-bin' cannot be sent as gRPC metadata", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", error.Message, StringComparison.Ordinal);
    }

    private static TelemetryClientOptions Options(Uri collector) => new()
    {
        CollectorUrl = collector,
        SourceId = $"sdk-test-{Guid.NewGuid():N}",
        ServiceName = "sdk-tests",
        MinReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
