using Collector.Host.Configuration;
using Collector.Host.Security;
using Collector.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Collector.Tests.Security;

/// <summary>Reading and checking keys, the access table, the constant-time key ring and the event bucket.</summary>
public sealed class ApiKeyTests : IDisposable
{
    private const string IngestKey = "ingest-0123456789abcdef";
    private const string QueryKey = "query-0123456789abcdef";

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Load_FileWithCommentsBlanksAndTabs_EveryKeyRead()
    {
        var path = WriteFile("# name role key\n\ningester ingest " + IngestKey + "\n  reader\tquery\t" + QueryKey + "  \n#admin admin commented-out-key-000\n");
        var options = new CollectorOptions { ApiKeysFile = path, ApiKeys = [new ApiKeyOptions { Name = "ops", Role = "ADMIN", Key = "admin-0123456789abcdef" }] };
        var errors = new List<string>();

        var keys = ApiKeySources.Load(options, errors);

        Assert.Empty(errors);
        Assert.Equal(
            [("ops", ApiKeyRole.Admin), ("ingester", ApiKeyRole.Ingest), ("reader", ApiKeyRole.Query)],
            keys.Select(k => (k.Name, k.Role)));
    }

    [Fact]
    public void Load_BadLines_ErrorsNameKeyAndLineButNeverTheKey()
    {
        var path = WriteFile("ok ingest " + IngestKey + "\nbad-role writer " + QueryKey + "\nshort query short-secret\ntwo-fields " + QueryKey + "\nok query " + IngestKey + "\nsp@ce query " + QueryKey + "x\n");
        var errors = new List<string>();

        ApiKeySources.Load(new CollectorOptions { ApiKeysFile = path }, errors);

        var text = string.Join("\n", errors);
        Assert.All(errors, e => Assert.StartsWith("Collector:ApiKeysFile", e, StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 2: role must be one of ingest, query, admin (was 'writer')", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 3: key is 12 characters; at least 16 are required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 4: expected 'name role key', found 2 fields", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 5: name 'ok' is already used by", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 5: key 'ok' is the same key as", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("line 6: name must be", StringComparison.Ordinal));
        Assert.DoesNotContain(IngestKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(QueryKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFileAndBadConfigEntry_ErrorsNameTheirKeys()
    {
        var options = new CollectorOptions
        {
            ApiKeysFile = Path.Combine(_dir.Path, "absent.keys"),
            ApiKeys = [new ApiKeyOptions { Name = "a", Role = "ingest" }, new ApiKeyOptions { Name = "b", Role = "query", Key = "with space 0123456789" }],
        };
        var errors = new List<string>();

        ApiKeySources.Load(options, errors);

        Assert.Contains(errors, e => e.StartsWith("Collector:ApiKeysFile: cannot read", StringComparison.Ordinal));
        Assert.Contains("Collector:ApiKeys:0: key is missing", errors);
        Assert.Contains(errors, e => e.StartsWith("Collector:ApiKeys:1: key must be printable ASCII", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("with space", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://0.0.0.0:4317", "http://127.0.0.1:4318", "Collector:GrpcUrl")]
    [InlineData("http://127.0.0.1:4317", "http://[::]:4318", "Collector:HttpUrl")]
    [InlineData("http://192.168.1.10:4317", "http://127.0.0.1:4318", "Collector:GrpcUrl")]
    public void Validate_NoKeysAndNonLoopbackUrl_ErrorNamesUrlAndApiKeys(string grpcUrl, string httpUrl, string key)
    {
        var result = new CollectorOptionsValidator().Validate(null, new CollectorOptions { GrpcUrl = grpcUrl, HttpUrl = httpUrl });

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith(key, failure, StringComparison.Ordinal);
        Assert.Contains("Collector:ApiKeys", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:4317", "http://[::1]:4318")]
    [InlineData("http://127.0.0.2:4317", "http://127.0.0.1:4318")]
    public void Validate_NoKeysOnLoopback_Valid(string grpcUrl, string httpUrl) =>
        Assert.True(new CollectorOptionsValidator().Validate(null, new CollectorOptions { GrpcUrl = grpcUrl, HttpUrl = httpUrl }).Succeeded);

    [Fact]
    public void Validate_KeysAndWildcardUrls_Valid()
    {
        var options = new CollectorOptions
        {
            GrpcUrl = "http://0.0.0.0:4317",
            HttpUrl = "http://0.0.0.0:4318",
            ApiKeys = [new ApiKeyOptions { Name = "a", Role = "ingest", Key = IngestKey }],
        };

        Assert.True(new CollectorOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_BadLimitsAndHalfAClientCertificate_EveryKeyNamed()
    {
        var options = new CollectorOptions
        {
            MaxStreamsPerConnection = 0,
            MaxConcurrentStreams = 0,
            MaxEventsPerSecondPerKey = -1,
            EventBurstPerKey = double.NaN,
            MaxRequestHeadersBytes = 10,
            RequestHeadersTimeoutMs = 0,
            KeepAliveTimeoutMs = 0,
            MinRequestBodyBytesPerSecond = -5,
            UpstreamClientCertificate = "/nonexistent/client.crt",
            TlsClientCa = "/nonexistent/ca.crt",
        };

        var failures = string.Join("\n", new CollectorOptionsValidator().Validate(null, options).Failures ?? []);

        foreach (var key in new[] { "MaxStreamsPerConnection", "MaxConcurrentStreams", "MaxEventsPerSecondPerKey", "EventBurstPerKey", "MaxRequestHeadersBytes", "RequestHeadersTimeoutMs", "KeepAliveTimeoutMs", "MinRequestBodyBytesPerSecond", "UpstreamClientKey", "TlsClientCa" })
        {
            Assert.Contains("Collector:" + key, failures, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, AuthFailure.MissingHeader)]
    [InlineData("", AuthFailure.MissingHeader)]
    [InlineData("Basic aW5nZXN0OmtleQ==", AuthFailure.MalformedHeader)]
    [InlineData("Bearer", AuthFailure.MalformedHeader)]
    [InlineData("Bearer ", AuthFailure.MalformedHeader)]
    [InlineData("Bearer two words", AuthFailure.MalformedHeader)]
    [InlineData("Bearer query-0123456789abcdeF", AuthFailure.UnknownKey)]
    [InlineData("Bearer query-0123456789abcde", AuthFailure.UnknownKey)]
    [InlineData("Bearer " + QueryKey, AuthFailure.None)]
    [InlineData("bearer  " + QueryKey + " ", AuthFailure.None)]
    public void Authenticate_Header_Outcome(string? header, AuthFailure expected)
    {
        var ring = new ApiKeyRing([new ApiKeyEntry("ingester", ApiKeyRole.Ingest, IngestKey), new ApiKeyEntry("reader", ApiKeyRole.Query, QueryKey)]);

        var outcome = ring.Authenticate(header is null ? StringValues.Empty : new StringValues(header), out var name, out var role);

        Assert.Equal(expected, outcome);
        Assert.Equal(expected == AuthFailure.None ? "reader" : string.Empty, name);
        Assert.Equal(expected == AuthFailure.None ? ApiKeyRole.Query : default, role);
    }

    [Fact]
    public void Authenticate_TwoHeaders_Malformed()
    {
        var ring = new ApiKeyRing([new ApiKeyEntry("reader", ApiKeyRole.Query, QueryKey)]);

        Assert.Equal(AuthFailure.MalformedHeader, ring.Authenticate(new StringValues(["Bearer " + QueryKey, "Bearer " + QueryKey]), out _, out _));
    }

    [Theory]
    [InlineData("/healthcheck", AccessRequirement.Public)]
    [InlineData("/telemetry/public", AccessRequirement.Public)]
    [InlineData("/metrics", AccessRequirement.Query)]
    [InlineData("/telemetry/efficiency", AccessRequirement.Query)]
    [InlineData("/TELEMETRY/Efficiency/", AccessRequirement.Query)]
    [InlineData("/telemetry/events", AccessRequirement.Query)]
    [InlineData("/telemetry/status", AccessRequirement.Admin)]
    [InlineData("/v1/logs", AccessRequirement.Ingest)]
    [InlineData("/", AccessRequirement.Public)]
    [InlineData("/ui/app.js", AccessRequirement.Public)]
    [InlineData("/UI/missing.css", AccessRequirement.Public)]
    [InlineData("/ui/a/b.js", AccessRequirement.Admin)]
    [InlineData("/ui", AccessRequirement.Admin)]
    [InlineData("/telemetry/unknown", AccessRequirement.Admin)]
    [InlineData("/telemetry/metrics", AccessRequirement.Query)]
    [InlineData("/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e4736", AccessRequirement.Query)]
    [InlineData("/Telemetry/Traces/not-an-id/", AccessRequirement.Query)]
    [InlineData("/telemetry/traces/a/b", AccessRequirement.Admin)]
    [InlineData("/telemetry/traces", AccessRequirement.Admin)]
    public void ForHttp_Path_Requirement(string path, AccessRequirement expected) =>
        Assert.Equal(expected, AccessPolicy.ForHttp(new PathString(path)));

    [Theory]
    [InlineData("/telemetry.v1.Collector/Stream", AccessRequirement.Ingest)]
    [InlineData("/telemetry.v1.Collector/Send", AccessRequirement.Ingest)]
    [InlineData(AccessPolicy.OtlpLogsExport, AccessRequirement.Ingest)]
    [InlineData(AccessPolicy.OtlpMetricsExport, AccessRequirement.Ingest)]
    [InlineData(AccessPolicy.OtlpTracesExport, AccessRequirement.Ingest)]
    [InlineData("/telemetry.v1.collector/send", AccessRequirement.AnyKey)]
    public void ForGrpc_Path_Requirement(string path, AccessRequirement expected) =>
        Assert.Equal(expected, AccessPolicy.ForGrpc(new PathString(path)));

    [Theory]
    [InlineData(ApiKeyRole.Ingest, AccessRequirement.Ingest, true)]
    [InlineData(ApiKeyRole.Ingest, AccessRequirement.Query, false)]
    [InlineData(ApiKeyRole.Ingest, AccessRequirement.Admin, false)]
    [InlineData(ApiKeyRole.Query, AccessRequirement.Query, true)]
    [InlineData(ApiKeyRole.Query, AccessRequirement.Ingest, false)]
    [InlineData(ApiKeyRole.Query, AccessRequirement.AnyKey, true)]
    [InlineData(ApiKeyRole.Admin, AccessRequirement.Ingest, true)]
    [InlineData(ApiKeyRole.Admin, AccessRequirement.Query, true)]
    [InlineData(ApiKeyRole.Admin, AccessRequirement.Admin, true)]
    public void Allows_RoleAndRequirement(ApiKeyRole role, AccessRequirement requirement, bool expected) =>
        Assert.Equal(expected, role.Allows(requirement));

    [Fact]
    public void Bucket_BurstTakenThenRefilledAtRate_RefusalSaysHowLongToWait()
    {
        var clock = new ManualClock();
        using var counters = new SecurityCounters();
        var bucket = new EventRateBucket("ingester", eventsPerSecond: 100, burst: 200, clock, counters);

        Assert.True(bucket.TryTake(150, out _));
        Assert.False(bucket.TryTake(100, out var wait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), wait);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(bucket.TryTake(100, out _));
        Assert.Equal(100, counters.RateLimitedEvents);

        var refusal = Assert.Throws<RateLimitedException>(() => bucket.Take(1));
        Assert.Contains("key 'ingester' is over its limit of 100 events per second", refusal.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(10), refusal.RetryAfter);
    }

    [Fact]
    public void Bucket_BatchLargerThanBurst_PassesWhenFullThenPaysItsDebt()
    {
        var clock = new ManualClock();
        using var counters = new SecurityCounters();
        var bucket = new EventRateBucket("big", eventsPerSecond: 10, burst: 10, clock, counters);

        Assert.True(bucket.TryTake(50, out _));
        clock.Advance(TimeSpan.FromSeconds(3));
        Assert.False(bucket.TryTake(50, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(2), wait);
        clock.Advance(wait);
        Assert.True(bucket.TryTake(50, out _));
    }

    private string WriteFile(string text)
    {
        var path = Path.Combine(_dir.Path, $"{Guid.NewGuid():N}.keys");
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>A clock the test moves by hand, so the bucket's refill is exact and no test sleeps.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
