using System.Diagnostics;

namespace Collector.Tests.Deploy;

/// <summary>
/// Debian's promtool accepts deploy/prometheus as shipped: the rule file is valid, its unit tests (one case per alert
/// that fires, one where it stays quiet) pass, and the example configuration loads with the rule file. A failure
/// carries promtool's own output, which names the rule and the difference.
/// </summary>
public sealed class PromtoolTests
{
    private const string Promtool = "/usr/bin/promtool";

    [Fact]
    public Task CheckRules_AlertRuleFile_Valid() => AssertPromtoolAsync("check", "rules", DeployPaths.AlertRules);

    [Fact]
    public Task TestRules_AlertUnitTests_AllPass() => AssertPromtoolAsync("test", "rules", DeployPaths.AlertTests);

    [Fact]
    public Task CheckConfig_ExamplePrometheusConfig_ValidWithItsRuleFile() => AssertPromtoolAsync("check", "config", DeployPaths.PrometheusConfig);

    private static async Task AssertPromtoolAsync(params string[] arguments)
    {
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: run scripts/install-deps.sh");
        var start = new ProcessStartInfo(Promtool, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = DeployPaths.Prometheus,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = (await stdout + await stderr).Trim();
        Assert.True(process.ExitCode == 0, $"promtool {string.Join(' ', arguments)} exited {process.ExitCode}:\n{output}");
    }
}
