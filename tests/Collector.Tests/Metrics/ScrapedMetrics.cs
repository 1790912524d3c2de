using System.Globalization;
using System.Text.RegularExpressions;

namespace Collector.Tests.Metrics;

/// <summary>A scraped /metrics text read back into samples, for assertions on values (promtool checks the format).</summary>
internal sealed partial class ScrapedMetrics(string text)
{
    public string Text { get; } = text;

    /// <summary>Sample lines: name, label set, value.</summary>
    public IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples =>
        Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith('#')).Select(Parse);

    /// <summary>Family names announced by TYPE lines.</summary>
    public IEnumerable<string> Families =>
        Text.Split('\n').Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]);

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels include <paramref name="labels"/> ("k=v" pairs).</summary>
    public double Value(string name, params string[] labels)
    {
        var wanted = labels.Select(pair => pair.Split('=', 2)).ToArray();
        var matches = Samples.Where(s => s.Name == name && wanted.All(w => s.Labels.TryGetValue(w[0], out var v) && v == w[1])).ToList();
        Assert.True(matches.Count == 1, $"{matches.Count} samples of {name} {{{string.Join(",", labels)}}} in:\n{Text}");
        return matches[0].Value;
    }

    private static (string, IReadOnlyDictionary<string, string>, double) Parse(string line)
    {
        var match = SampleLine().Match(line);
        Assert.True(match.Success, $"not a sample line: {line}");
        var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => Regex.Unescape(m.Groups[2].Value));
        var value = match.Groups["value"].Value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            var number => double.Parse(number, CultureInfo.InvariantCulture),
        };
        return (match.Groups["name"].Value, labels, value);
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
