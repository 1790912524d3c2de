using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Collector.Tests.Infrastructure;
using Collector.Tests.Queries;
using Xunit.Abstractions;

namespace Collector.Tests.Deploy;

/// <summary>
/// The overview dashboard and the alert rules against real data: a collector process that stores into ClickHouse and
/// forwards to an upstream collector, under steady load, scraped by a real Prometheus that also loads
/// deploy/prometheus/collector-alerts.yml. Every PromQL expression of the dashboard (Grafana's variables replaced by
/// concrete values) must return at least one series, every variable query must find values, and every alert rule
/// must evaluate without an error (no data is fine) and none fires on this healthy collector.
/// </summary>
[Collection("clickhouse")]
public sealed partial class OverviewDashboardTests(ClickHouseFixture fixture, ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EveryExpr_LoadedCollectorScrapedByPrometheus_ReturnsSeriesAndRulesEvaluate()
    {
        var stopwatch = Stopwatch.StartNew();

        // 58 days of model history stored first, so the collector's first efficiency read (at its start) has some.
        var (history, events, database) = await HistoryCollector.StartAsync(fixture, Path.Combine(_data.Path, "history"));
        await using (history)
        {
            await HistoryCollector.WaitForHourRollupAsync(fixture, database, events.Count);
        }

        using var upstream = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "upstream"));
        using var collector = await CollectorProcess.StartCoreAsync(Path.Combine(_data.Path, "collector"), fixture.Server, upstream, database);
        using var prometheus = await PrometheusServer.StartAsync(collector.HttpUri, DeployPaths.AlertRules);
        await using (var sender = new BackgroundSender(collector.GrpcUri, "dashboard-load"))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["job"] = "collector",
                // As Grafana writes a regex variable's value into a PromQL string: its dots escaped for the regex, and that
                // backslash escaped for the string.
                ["instance"] = collector.HttpUri.Authority.Replace(".", @"\\.", StringComparison.Ordinal),
                ["__rate_interval"] = "30s",
                ["__interval"] = "15s",
                ["__range"] = "5m",
            };
            var dashboard = DashboardJson.Load("collector-overview.json");
            var queries = DashboardJson.Targets(dashboard).Select(q => (q.Where, Expr: q.Target.GetProperty("expr").GetString()!))
                .Concat(DashboardJson.QueryVariables(dashboard).Select(v => (v.Where, Expr: LabelValuesAsPromQl(v.Target.GetProperty("definition").GetString()!))))
                .Select(q => (q.Where, Expr: DashboardJson.Substitute(q.Expr, values)))
                .ToList();
            Assert.True(queries.Count >= 30, $"only {queries.Count} queries found in the overview dashboard");
            Assert.All(queries, q => Assert.DoesNotContain("$", q.Expr, StringComparison.Ordinal));

            await WaitForSeriesAsync(prometheus, queries, collector);
            await AssertRulesEvaluateAsync(prometheus);
            await AssertFamiliesInReadmeAsync(prometheus, values["instance"]);
            Assert.True(sender.Accepted > 0);
        }

        output.WriteLine($"collector, upstream, Prometheus, load and every query: {stopwatch.Elapsed.TotalSeconds:F1} s");
        await collector.StopAsync();
        await upstream.StopAsync();
    }

    /// <summary>Grafana's label_values(selector, label) as the PromQL whose answer holds the same values.</summary>
    private static string LabelValuesAsPromQl(string definition)
    {
        var match = LabelValues().Match(definition);
        Assert.True(match.Success, $"not a label_values(metric, label) variable: {definition}");
        return $"count by ({match.Groups["label"].Value}) ({match.Groups["selector"].Value})";
    }

    // Polls until every query has a series: rates need two scrapes with load between them, the first ClickHouse
    // insert and the first forwarded batch take a moment. Fails with the queries still empty or refused.
    private static async Task WaitForSeriesAsync(PrometheusServer prometheus, List<(string Where, string Expr)> queries, CollectorProcess collector)
    {
        var deadline = DateTime.UtcNow + Patience;
        var pending = queries;
        while (true)
        {
            var answers = await Task.WhenAll(pending.Select(async q => (q.Where, q.Expr, Answer: await prometheus.EvaluateAsync(q.Expr))));
            var refused = answers.Where(a => a.Answer.GetProperty("status").GetString() != "success").ToList();
            Assert.True(refused.Count == 0, string.Join("\n", refused.Select(a => $"{a.Where}: {a.Expr}: {a.Answer}")));
            pending = answers.Where(a => a.Answer.GetProperty("data").GetProperty("result").GetArrayLength() == 0).Select(a => (a.Where, a.Expr)).ToList();
            if (pending.Count == 0)
            {
                return;
            }

            Assert.True(
                DateTime.UtcNow < deadline,
                $"no series after {Patience.TotalSeconds} s:\n{string.Join("\n", pending.Select(q => $"{q.Where}: {q.Expr}"))}\n{collector.Output}");
            await Task.Delay(500);
        }
    }

    // Prometheus loaded the rule file; once every group has been evaluated, each rule's health says whether its query
    // ran, and each query is also asked directly so a failure shows Prometheus' own error text.
    private static async Task AssertRulesEvaluateAsync(PrometheusServer prometheus)
    {
        var deadline = DateTime.UtcNow + Patience;
        List<JsonElement> rules;
        while (true)
        {
            var groups = (await prometheus.GetJsonAsync("api/v1/rules")).GetProperty("data").GetProperty("groups").EnumerateArray().ToList();
            rules = groups.SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToList();
            if (groups.Count > 0 && groups.All(g => !g.GetProperty("lastEvaluation").GetString()!.StartsWith("0001", StringComparison.Ordinal)))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the alert rule groups were not evaluated");
            await Task.Delay(250);
        }

        Assert.True(rules.Count >= 15, $"{rules.Count} rules loaded");
        foreach (var rule in rules)
        {
            var name = rule.GetProperty("name").GetString();
            var query = rule.GetProperty("query").GetString()!;
            var answer = await prometheus.EvaluateAsync(query);
            Assert.True(answer.GetProperty("status").GetString() == "success", $"{name}: {query}: {answer}");
            Assert.True(rule.GetProperty("health").GetString() == "ok", $"{name}: {rule}");
            Assert.True(rule.GetProperty("state").GetString() != "firing", $"{name} fires on a healthy collector: {rule}");
        }
    }

    // The README's /metrics table must name every family the collector exports, so the dashboards' and the alerts'
    // reader finds each one there; collector_forwarder_* is one row that lists the suffixes.
    private static async Task AssertFamiliesInReadmeAsync(PrometheusServer prometheus, string instance)
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var table = readme[readme.IndexOf("\n## /metrics\n", StringComparison.Ordinal)..readme.IndexOf("\n## The wire contract\n", StringComparison.Ordinal)];
        var answer = await prometheus.EvaluateAsync($"group by (__name__) ({{job=\"collector\", instance=~\"{instance}\", __name__=~\"collector_.+\"}})");
        var families = answer.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(s => HistogramSuffix().Replace(s.GetProperty("metric").GetProperty("__name__").GetString()!, string.Empty))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.True(families.Count > 30, $"{families.Count} families scraped");
        var missing = families.Where(f => !table.Contains($"`{f}`", StringComparison.Ordinal) && !table.Contains($"`{f}{{", StringComparison.Ordinal)
            && !(f.StartsWith("collector_forwarder_", StringComparison.Ordinal) && table.Contains($"`{f["collector_forwarder_".Length..]}`", StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, $"families exported but not in the README's /metrics table: {string.Join(", ", missing)}");
    }

    [GeneratedRegex("_(bucket|count|sum)$")]
    private static partial Regex HistogramSuffix();

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>\w+)\)$")]
    private static partial Regex LabelValues();
}
