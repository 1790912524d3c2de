using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Security;

/// <summary>
/// The real collector process with keys from the environment (configuration) and from a keys file: who may call
/// what over gRPC and HTTP, what refusals say and count, and that no key ever reaches the output.
/// </summary>
[Collection("clickhouse")]
public sealed class AuthenticationTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _ingestKey = $"ingest-{Guid.NewGuid():N}";
    private readonly string _queryKey = $"query-{Guid.NewGuid():N}";
    private readonly string _adminKey = $"admin-{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Keys_FromConfigurationAndFile_RolesEnforcedOnGrpcAndHttp_FailuresCounted_KeysNeverPrinted()
    {
        using var collector = await StartKeyedCollectorAsync();

        // gRPC: no key, a malformed header and an unknown key are UNAUTHENTICATED; a query key may not ingest.
        var missing = await Assert.ThrowsAsync<RpcException>(() => SendAsync(collector, null, "no-key"));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal("missing API key: send the header 'authorization: Bearer <key>'", missing.Status.Detail);
        var malformed = await Assert.ThrowsAsync<RpcException>(() => SendAsync(collector, "Basic " + _ingestKey, "basic"));
        Assert.Equal(StatusCode.Unauthenticated, malformed.StatusCode);
        Assert.StartsWith("malformed authorization header", malformed.Status.Detail, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => SendAsync(collector, "Bearer " + _ingestKey + "x", "unknown"));
        Assert.Equal(StatusCode.Unauthenticated, unknown.StatusCode);
        Assert.Equal("unknown API key", unknown.Status.Detail);
        var forbidden = await Assert.ThrowsAsync<RpcException>(() => StreamAsync(collector, "Bearer " + _queryKey, "query-role"));
        Assert.Equal(StatusCode.PermissionDenied, forbidden.StatusCode);
        Assert.Equal("key 'reader' has role query; /telemetry.v1.Collector/Stream needs an ingest or admin key", forbidden.Status.Detail);

        Assert.Equal(10u, await SendAsync(collector, "Bearer " + _ingestKey, "ingester-send"));
        Assert.Equal(10u, await StreamAsync(collector, "Bearer " + _ingestKey, "ingester-stream"));
        Assert.Equal(10u, await SendAsync(collector, "Bearer " + _adminKey, "admin-send"));

        // HTTP: the query API needs a query (or admin) key; /healthcheck needs none; unknown paths need admin.
        await AssertHttpAsync(collector, "/telemetry/footprint", null, HttpStatusCode.Unauthorized);
        await AssertHttpAsync(collector, "/telemetry/footprint", "Bearer not-a-key-0123456789", HttpStatusCode.Unauthorized);
        await AssertHttpAsync(collector, "/telemetry/footprint", "Bearer " + _ingestKey, HttpStatusCode.Forbidden);
        await AssertHttpAsync(collector, "/TELEMETRY/Footprint/", "Bearer " + _ingestKey, HttpStatusCode.Forbidden);
        await AssertHttpAsync(collector, "/telemetry/footprint", "Bearer " + _queryKey, HttpStatusCode.OK);
        await AssertHttpAsync(collector, "/telemetry/footprint", "Bearer " + _adminKey, HttpStatusCode.OK);
        await AssertHttpAsync(collector, "/no/such/path", null, HttpStatusCode.Unauthorized);
        await AssertHttpAsync(collector, "/no/such/path", "Bearer " + _queryKey, HttpStatusCode.Forbidden);
        await AssertHttpAsync(collector, "/no/such/path", "Bearer " + _adminKey, HttpStatusCode.NotFound);
        await AssertHttpAsync(collector, "/healthcheck", null, HttpStatusCode.OK);

        var health = await collector.HealthAsync();
        Assert.Equal(30, health.GetProperty("ingest").GetProperty("accepted").GetInt64());
        var security = health.GetProperty("security");
        Assert.Equal(3, security.GetProperty("api_keys").GetInt32());
        var reasons = security.GetProperty("auth_failures_by_reason").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["missing_key"] = 3, ["malformed_header"] = 1, ["unknown_key"] = 2, ["forbidden"] = 4 }, reasons);
        Assert.Equal(10, security.GetProperty("auth_failures").GetInt64());

        await collector.StopAsync();
        Assert.Contains("API keys required: 3 configured (ingester, reader, ops)", collector.Output, StringComparison.Ordinal);
        foreach (var key in new[] { _ingestKey, _queryKey, _adminKey })
        {
            Assert.DoesNotContain(key, collector.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Http401_CarriesWwwAuthenticateBearerAndAReason()
    {
        using var collector = await StartKeyedCollectorAsync();
        using var http = new HttpClient { BaseAddress = collector.HttpUri };

        using var missing = await http.GetAsync(new Uri("/telemetry/history", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/telemetry/history", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-key-0123456789");
        using var wrong = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", Assert.Single(missing.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("missing API key: send the header 'authorization: Bearer <key>'", await ErrorAsync(missing));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("error=\"invalid_token\"", wrong.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("unknown API key", await ErrorAsync(wrong));
    }

    private async Task<CollectorProcess> StartKeyedCollectorAsync()
    {
        var keysFile = Path.Combine(_data.Path, "collector.keys");
        await File.WriteAllTextAsync(keysFile, $"# name role key\nreader query {_queryKey}\nops\tadmin\t{_adminKey}\n");
        var environment = new Dictionary<string, string>
        {
            ["Collector__ApiKeys__0__Name"] = "ingester",
            ["Collector__ApiKeys__0__Role"] = "ingest",
            ["Collector__ApiKeys__0__Key"] = _ingestKey,
        };
        return await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, $"data-{Guid.NewGuid():N}"),
            environment,
            "--api-keys-file",
            keysFile,
            "--clickhouse-url",
            fixture.Server.Url.ToString(),
            "--clickhouse-database",
            $"t_{Guid.NewGuid():N}");
    }

    private static async Task<uint> SendAsync(CollectorProcess collector, string? authorization, string source)
    {
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        return (await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch(source, 1, 10), Headers(authorization))).Accepted;
    }

    private static async Task<uint> StreamAsync(CollectorProcess collector, string? authorization, string source)
    {
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream(Headers(authorization));
        // A call refused from its headers alone may be over before the batch goes out: its status is on the response side.
        await call.RequestStream.TryWriteAsync(Events.Batch(source, 1, 10));
        var ack = await call.ResponseStream.ReadNextAsync();
        await call.RequestStream.CompleteAsync();
        Assert.Null(await call.ResponseStream.ReadNextAsync());
        return ack!.Accepted;
    }

    private static Metadata Headers(string? authorization) => authorization is null ? new Metadata() : new Metadata { { "authorization", authorization } };

    private static async Task AssertHttpAsync(CollectorProcess collector, string path, string? authorization, HttpStatusCode expected)
    {
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", authorization);
        }

        using var response = await http.SendAsync(request);
        Assert.True(expected == response.StatusCode, $"{path} with '{authorization}': {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString();
}
