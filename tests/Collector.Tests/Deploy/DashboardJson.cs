using System.Text.Json;
using System.Text.RegularExpressions;

namespace Collector.Tests.Deploy;

/// <summary>One query a dashboard makes: where it is (panel title and refId, or the variable) and its text.</summary>
internal sealed record DashboardQuery(string Where, JsonElement Target);

/// <summary>
/// Reads a Grafana dashboard JSON model the way the tests need it: every target of every panel (rows' nested panels
/// included) and every query variable, and Grafana's variables replaced by concrete values. A variable the caller
/// gives no value for is left in place, so the test sees a "$" and says which one is unknown.
/// </summary>
internal static partial class DashboardJson
{
    public static JsonElement Load(string name) => JsonDocument.Parse(File.ReadAllText(DeployPaths.Dashboard(name))).RootElement.Clone();

    /// <summary>Every panel target, with the panel's title and the target's refId.</summary>
    public static IEnumerable<DashboardQuery> Targets(JsonElement dashboard) =>
        Panels(dashboard.GetProperty("panels")).SelectMany(panel =>
            panel.TryGetProperty("targets", out var targets)
                ? targets.EnumerateArray().Select(t => new DashboardQuery($"panel \"{panel.GetProperty("title").GetString()}\" {t.GetProperty("refId").GetString()}", t))
                : []);

    /// <summary>The templating variables of type "query", by name.</summary>
    public static IEnumerable<DashboardQuery> QueryVariables(JsonElement dashboard) =>
        dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.GetProperty("type").GetString() == "query")
            .Select(v => new DashboardQuery($"variable {v.GetProperty("name").GetString()}", v));

    /// <summary><paramref name="text"/> with $name and ${name} replaced from <paramref name="values"/>; a name is the whole word, so $__range is not a prefix of $__rate_interval.</summary>
    public static string Substitute(string text, IReadOnlyDictionary<string, string> values) =>
        Variable().Replace(text, m => values.TryGetValue(m.Groups["name"].Value, out var value) ? value : m.Value);

    private static IEnumerable<JsonElement> Panels(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in Panels(nested))
                {
                    yield return inner;
                }
            }
        }
    }

    [GeneratedRegex(@"\$(?:\{(?<name>\w+)\}|(?<name>\w+))")]
    private static partial Regex Variable();
}
