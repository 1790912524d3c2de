using System.Text;

namespace Collector.Host.Metrics;

/// <summary>
/// The one mapping from instrument names in OpenTelemetry style ("collector.events.received", unit "{event}") to
/// Prometheus names ("collector_events_received_total"): dots and other characters Prometheus refuses become
/// underscores, the unit's word is appended unless the name already holds it as a word ("collector.log.bytes",
/// unit "By", stays collector_log_bytes), and monotonic counters end in _total. Units in curly braces are
/// annotations ("{event}") and add nothing, as the OpenTelemetry-to-Prometheus rules say.
/// </summary>
public static class PrometheusNaming
{
    public static string MetricName(string instrumentName, string? unit, bool monotonicCounter)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = new StringBuilder(Sanitize(instrumentName, allowColon: true));
        if (UnitWord(unit) is { } word && !HasWord(name.ToString(), word))
        {
            name.Append('_').Append(word);
        }

        if (monotonicCounter && !name.ToString().EndsWith("_total", StringComparison.Ordinal))
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    /// <summary>A label name Prometheus accepts: [a-zA-Z_][a-zA-Z0-9_]*.</summary>
    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>The Prometheus word of a UCUM unit; null for annotations, "1" and no unit.</summary>
    public static string? UnitWord(string? unit) => unit switch
    {
        null or "" or "1" => null,
        ['{', .., '}'] => null,
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "%" => "percent",
        "ms/{token}" => "ms_per_token",
        _ => Sanitize(unit, allowColon: false).Trim('_').ToLowerInvariant() is { Length: > 0 } word ? word : null,
    };

    private static bool HasWord(string name, string word)
    {
        foreach (var part in name.Split('_'))
        {
            if (string.Equals(part, word, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Sanitize(string text, bool allowColon)
    {
        var result = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            var valid = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' || (allowColon && c == ':');

            // Runs of replaced characters collapse into one underscore.
            if (valid)
            {
                result.Append(c);
            }
            else if (result.Length == 0 || result[^1] != '_')
            {
                result.Append('_');
            }
        }

        if (result.Length == 0 || char.IsAsciiDigit(result[0]))
        {
            result.Insert(0, '_');
        }

        return result.ToString();
    }
}
