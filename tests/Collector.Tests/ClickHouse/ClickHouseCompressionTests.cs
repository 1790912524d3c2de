using Collector.Storage.ClickHouse;

namespace Collector.Tests.ClickHouse;

/// <summary>--clickhouse-compression: auto gzips insert bodies except to a ClickHouse on this machine.</summary>
public sealed class ClickHouseCompressionTests
{
    [Theory]
    [InlineData("auto", "http://127.0.0.1:8123/", false)]
    [InlineData("auto", "http://localhost:8123/", false)]
    [InlineData("auto", "http://[::1]:8123/", false)]
    [InlineData("auto", "http://127.0.0.2:8123/", false)]
    [InlineData("auto", "http://10.0.0.5:8123/", true)]
    [InlineData("auto", "https://clickhouse.example:8443/", true)]
    [InlineData("gzip", "http://127.0.0.1:8123/", true)]
    [InlineData("none", "https://clickhouse.example:8443/", false)]
    public void ShouldCompress_SettingAndAddress_GzipOnlyWhereItSavesSomething(string setting, string url, bool gzip) =>
        Assert.Equal(gzip, ClickHouseOptions.ShouldCompress(setting, new Uri(url)));

    [Fact]
    public async Task Collector_BadCompressionSetting_RefusedAtStartNamingTheValues()
    {
        using var data = new Infrastructure.TempDirectory();
        var (collector, exitCode, output) = await Infrastructure.CollectorProcess.StartOrExitAsync(data.Path, "--clickhouse-url", "http://127.0.0.1:1/", "--clickhouse-compression", "zstd");
        collector?.Dispose();

        Assert.NotEqual(0, exitCode);
        Assert.Contains("ClickHouseCompression must be auto, gzip or none (was zstd)", output, StringComparison.Ordinal);
    }
}
