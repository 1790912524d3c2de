using System.Globalization;
using System.Text;

namespace Collector.Bench.Load;

/// <summary>One sample of the Prometheus text format: a metric name, its labels, its value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Reads the Prometheus text exposition format (version 0.0.4): comment lines are skipped, every other line is
/// <c>name{label="value",...} value [timestamp]</c>, label values escaped with \\, \" and \n.
/// </summary>
internal static class PrometheusText
{
    public static List<PrometheusSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseLine(line) ?? throw new FormatException($"/metrics line {lineNumber} is not a sample: {line}"));
        }

        return samples;
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include all of <paramref name="labels"/>; 0 when none.</summary>
    public static double Sum(IEnumerable<PrometheusSample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => string.Equals(s.Name, name, StringComparison.Ordinal)
                && labels.All(l => s.Labels.TryGetValue(l.Name, out var value) && string.Equals(value, l.Value, StringComparison.Ordinal)))
            .Sum(s => s.Value);

    private static PrometheusSample? ParseLine(string line)
    {
        var position = 0;
        while (position < line.Length && line[position] != '{' && !char.IsWhiteSpace(line[position]))
        {
            position++;
        }

        var name = line[..position];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{' && !TryParseLabels(line, ref position, labels))
        {
            return null;
        }

        // The value, then an optional timestamp.
        var rest = line[position..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (name.Length == 0 || rest.Length is 0 or > 2 || !TryParseValue(rest[0], out var value))
        {
            return null;
        }

        return new PrometheusSample(name, labels, value);
    }

    private static bool TryParseLabels(string line, ref int position, Dictionary<string, string> labels)
    {
        position++; // '{'
        while (true)
        {
            SkipSpaces(line, ref position);
            if (position >= line.Length)
            {
                return false;
            }

            if (line[position] == '}')
            {
                position++;
                return true;
            }

            var equals = line.IndexOf('=', position);
            if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"')
            {
                return false;
            }

            var labelName = line[position..equals].Trim();
            position = equals + 2;
            var value = new StringBuilder();
            while (position < line.Length && line[position] != '"')
            {
                if (line[position] == '\\' && position + 1 < line.Length)
                {
                    position++;
                    value.Append(line[position] == 'n' ? '\n' : line[position]);
                }
                else
                {
                    value.Append(line[position]);
                }

                position++;
            }

            if (position >= line.Length)
            {
                return false;
            }

            position++; // closing '"'
            labels[labelName] = value.ToString();
            SkipSpaces(line, ref position);
            if (position < line.Length && line[position] == ',')
            {
                position++;
            }
        }
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    private static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && char.IsWhiteSpace(line[position]))
        {
            position++;
        }
    }
}
