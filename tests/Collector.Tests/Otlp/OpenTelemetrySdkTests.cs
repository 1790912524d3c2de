using System.Diagnostics;
using Collector.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;

namespace Collector.Tests.Otlp;

/// <summary>
/// The OpenTelemetry .NET SDK's own OTLP exporter (gRPC and HTTP/protobuf) sending logs to a collector process
/// that stores into ClickHouse; the rows are checked column by column.
/// </summary>
[Collection("clickhouse")]
public sealed class OpenTelemetrySdkTests(ClickHouseFixture fixture) : IDisposable
{
    private const string Category = "Shop.Checkout";
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task OtlpExporter_LogsWithScopesAndActivity_RowsInClickHouse(OtlpExportProtocol protocol)
    {
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100");
        var service = $"shop-{protocol}".ToLowerInvariant();
        var endpoint = protocol == OtlpExportProtocol.Grpc ? collector.GrpcUri : new Uri(collector.HttpUri, "/v1/logs");
        using var activities = new ActivitySource("Shop.Tests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source == activities,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId;
        string spanId;

        using (var loggers = CreateLoggers(service, endpoint, protocol))
        {
            var logger = loggers.CreateLogger(Category);
            using (var activity = activities.StartActivity("checkout")!)
            using (logger.BeginScope(new Dictionary<string, object> { ["tenant"] = "acme" }))
            {
                traceId = activity.TraceId.ToHexString();
                spanId = activity.SpanId.ToHexString();
                logger.LogWarning("Cart {CartId} took {Millis} ms", "c-42", 812);
            }

            logger.LogError("Payment failed");
        }

        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 2, TimeSpan.FromSeconds(60), "rows in ClickHouse");
        var rows = await StoredRow.ReadAllAsync(fixture.Server, _database);

        Assert.Equal(2, rows.Count);
        var warning = rows.Single(r => r.Severity == 4);
        Assert.Equal($"otlp/{service}", warning.SourceId);
        Assert.Equal("log", warning.EventType);
        Assert.Equal(service, warning.Service);
        Assert.Equal("Cart c-42 took 812 ms", warning.Message);
        Assert.Equal(traceId, warning.TraceId);
        Assert.Equal(spanId, warning.SpanId);
        Assert.Equal("c-42", warning.Attributes["CartId"]);
        Assert.Equal("812", warning.Attributes["Millis"]);
        Assert.Equal("acme", warning.Attributes["tenant"]);
        Assert.Equal(Category, warning.Attributes["otel.scope.name"]);
        Assert.Equal("dotnet", warning.Attributes["resource.telemetry.sdk.language"]);
        Assert.False(warning.Attributes.ContainsKey("severity_text"), "the SDK's severity text names the severity; it is not kept");
        Assert.InRange(warning.TimeNs, (ulong)(DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds() * 1_000_000), (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000));

        var error = rows.Single(r => r.Severity == 5);
        Assert.Equal("Payment failed", error.Message);
        Assert.Equal(string.Empty, error.TraceId);
        Assert.Equal(string.Empty, error.SpanId);
        await collector.StopAsync();
    }

    private static ILoggerFactory CreateLoggers(string service, Uri endpoint, OtlpExportProtocol protocol) =>
        LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
        {
            options.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(service));
            options.IncludeScopes = true;
            options.IncludeFormattedMessage = true;

            // Simple: each record is exported as it is logged, so the test knows both were sent when the factory is disposed.
            options.AddOtlpExporter((exporter, processor) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
                processor.ExportProcessorType = ExportProcessorType.Simple;
            });
        }));
}
