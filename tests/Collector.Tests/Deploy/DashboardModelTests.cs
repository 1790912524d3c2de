using Collector.Tests.Infrastructure;

namespace Collector.Tests.Deploy;

/// <summary>
/// The shipped dashboards are well-formed Grafana JSON models that the shipped provisioning can load: a uid and
/// schemaVersion, panels with unique ids inside the 24-column grid, targets with unique refIds, and a data source
/// variable whose plugin type the provisioned data sources provide.
/// </summary>
public sealed class DashboardModelTests
{
    private static readonly string DataSources = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana", "provisioning", "datasources", "collector.yml"));

    [Theory]
    [InlineData("collector-overview.json", "prometheus")]
    [InlineData("collector-telemetry.json", "yesoreyeram-infinity-datasource")]
    public void Dashboard_AsShipped_LoadableModel(string file, string dataSourceType)
    {
        var dashboard = DashboardJson.Load(file);
        Assert.False(string.IsNullOrEmpty(dashboard.GetProperty("uid").GetString()));
        Assert.True(dashboard.GetProperty("schemaVersion").GetInt32() >= 36);
        var variable = Assert.Single(dashboard.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal(dataSourceType, variable.GetProperty("query").GetString());
        Assert.Contains($"type: {dataSourceType}\n", DataSources, StringComparison.Ordinal);

        var panels = dashboard.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            var grid = panel.GetProperty("gridPos");
            Assert.True(grid.GetProperty("w").GetInt32() is > 0 and <= 24 && grid.GetProperty("x").GetInt32() + grid.GetProperty("w").GetInt32() <= 24, $"{panel.GetProperty("title")}: {grid}");
            var refIds = panel.TryGetProperty("targets", out var targets) ? targets.EnumerateArray().Select(t => t.GetProperty("refId").GetString()).ToList() : [];
            Assert.Equal(refIds.Count, refIds.Distinct().Count());
            Assert.True(panel.GetProperty("type").GetString() == "row" || refIds.Count > 0, $"{panel.GetProperty("title")} has no query");
            Assert.True(panel.GetProperty("type").GetString() == "row" || panel.GetProperty("datasource").GetProperty("uid").GetString() == $"${{{variable.GetProperty("name").GetString()}}}", $"{panel.GetProperty("title")} does not use the data source variable");
        }
    }
}
