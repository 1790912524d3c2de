using Collector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace Collector.Tests.Hosting;

public sealed class ConfigurationTests
{
    [Fact]
    public void Validate_Defaults_Valid() =>
        Assert.True(new CollectorOptionsValidator().Validate(null, new CollectorOptions()).Succeeded);

    [Fact]
    public void Validate_ManyErrors_EveryOneReportedWithItsKey()
    {
        var options = new CollectorOptions
        {
            GrpcUrl = "ftp://x",
            HttpUrl = "https://127.0.0.1:4318",
            ClickHouseUrl = "http://user:secret@127.0.0.1:8123",
            ClickHouseDatabase = "telemetry; DROP",
            ClickHouseBatchRows = 2_000_000,
            ClickHouseBatchDelayMs = 0,
            RetentionRawDays = 0,
        };

        var result = new CollectorOptionsValidator().Validate(null, options);

        var failures = string.Join("\n", result.Failures ?? []);
        foreach (var key in new[] { "Collector:GrpcUrl", "Collector:HttpUrl", "Collector:ClickHouseUrl", "Collector:ClickHouseDatabase", "Collector:ClickHouseBatchRows", "Collector:ClickHouseBatchDelayMs", "Collector:RetentionRawDays" })
        {
            Assert.Contains(key, failures, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("secret", failures, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(3_600_001)]
    [InlineData(double.NaN)]
    public void Validate_ClickHouseTimeoutOutOfRange_ErrorWithKey(double timeoutMs)
    {
        var result = new CollectorOptionsValidator().Validate(null, new CollectorOptions { ClickHouseTimeoutMs = timeoutMs });

        Assert.Contains("Collector:ClickHouseTimeoutMs must be between 100 and 3600000", string.Join("\n", result.Failures ?? []), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("logs,spans", "'spans' is not a signal")]
    [InlineData(",", "name at least one of logs, metrics, traces")]
    public void Validate_UpstreamSignalsUnknownOrNone_ErrorWithKey(string signals, string message)
    {
        var options = new CollectorOptions { UpstreamUrl = "http://127.0.0.1:4317", UpstreamKind = "otlp", UpstreamSignals = signals };

        var failures = string.Join("\n", new CollectorOptionsValidator().Validate(null, options).Failures ?? []);

        Assert.Contains("Collector:UpstreamSignals", failures, StringComparison.Ordinal);
        Assert.Contains(message, failures, StringComparison.Ordinal);
    }

    [Fact]
    public void UpstreamSignals_ListParsed_CaseAndSpacesIgnored()
    {
        Assert.Null(Collector.Host.Hosting.ForwarderRegistration.ParseSignals(" Logs , traces", out var signals));
        Assert.Equal(Collector.Forwarder.Otlp.OtlpSignal.Logs | Collector.Forwarder.Otlp.OtlpSignal.Traces, signals);
    }

    [Fact]
    public void Flags_KnownFlagsMapToKeys_UnknownIsAnError()
    {
        Assert.Null(CommandLineFlags.TryParse(["--clickhouse-url", "http://127.0.0.1:8123", "--retention-raw-days=30"], out var values, out _));
        Assert.Equal("http://127.0.0.1:8123", values["Collector:ClickHouseUrl"]);
        Assert.Equal("30", values["Collector:RetentionRawDays"]);

        Assert.Equal("unknown option '--nope'", CommandLineFlags.TryParse(["--nope", "1"], out _, out _));
        Assert.Equal("option '--data-dir' needs a value", CommandLineFlags.TryParse(["--data-dir"], out _, out _));
    }

    [Fact]
    public void RenamedSettings_OldFlagAndOldKey_SetTheLogBudget_NewKeyWins()
    {
        Assert.Null(CommandLineFlags.TryParse(["--upstream-budget-bytes", "2097152"], out var values, out _));
        Assert.Equal("2097152", values["Collector:LogBudgetBytes"]);

        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Collector:UpstreamBudgetBytes"] = "3145728",
            ["Collector:UpstreamBudgetDays"] = "2",
            ["Collector:LogBudgetDays"] = "5",
        });

        var used = RenamedSettings.Apply(configuration);

        Assert.Equal(2, used.Count);
        var options = new CollectorOptions();
        configuration.GetSection(CollectorOptions.Section).Bind(options);
        Assert.Equal(3_145_728, options.LogBudgetBytes);
        Assert.Equal(5, options.LogBudgetDays);
    }

    [Fact]
    public void Validate_SelfTelemetrySettings_EachErrorNamesItsKey()
    {
        var options = new CollectorOptions { OtelEndpoint = "udp://collector:4317", OtelProtocol = "thrift", OtelMetricsIntervalMs = 0 };

        var failures = string.Join("\n", new CollectorOptionsValidator().Validate(null, options).Failures ?? []);

        Assert.Contains("Collector:OtelEndpoint must be an absolute http:// or https:// url (was 'udp://collector:4317')", failures, StringComparison.Ordinal);
        Assert.Contains("Collector:OtelProtocol must be grpc or http/protobuf (was 'thrift')", failures, StringComparison.Ordinal);
        Assert.Contains("Collector:OtelMetricsIntervalMs", failures, StringComparison.Ordinal);
        Assert.True(new CollectorOptionsValidator().Validate(null, new CollectorOptions { OtelEndpoint = "http://127.0.0.1:4317", OtelProtocol = "http/protobuf" }).Succeeded);
    }
}
