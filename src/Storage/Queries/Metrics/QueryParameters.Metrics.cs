namespace Collector.Storage.Queries;

public sealed partial class QueryParameters
{
    public const string AttributePrefix = "attr.";

    /// <summary>The most steps one metric series may span, and the most attribute filters one request may give.</summary>
    public const int MaxMetricSteps = 2_000;

    public const int MaxAttributeFilters = 16;

    /// <summary>
    /// GET /telemetry/metrics: name (required); to defaults to <paramref name="now"/> and from to an hour before;
    /// step as <see cref="MetricStep"/> reads it; service; attr.KEY=VALUE (each key once); group_by.
    /// </summary>
    public MetricRequest Metric(DateTimeOffset now)
    {
        var name = Text("name") ?? throw new QueryParameterException("name", "name is required: the metric's name");
        var to = Time("to") ?? DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var from = Time("from") ?? to.AddHours(-1);
        if (from >= to)
        {
            throw new QueryParameterException("from", "from must be before to");
        }

        int step;
        if (Text("step") is not { } stepText)
        {
            step = MetricStep.Default(to - from);
        }
        else if (!MetricStep.TryParse(stepText, out step))
        {
            throw new QueryParameterException("step", $"step must be whole seconds or a number with s, m, h or d (30s, 5m, 1h), at most 366d, not '{Shorten(stepText)}'");
        }

        var aligned = DateTimeOffset.FromUnixTimeSeconds(from.ToUnixTimeSeconds() / step * step);
        var steps = Math.Ceiling((to - aligned).TotalSeconds / step);
        if (steps > MaxMetricSteps)
        {
            throw new QueryParameterException("step", $"from {from:yyyy-MM-ddTHH:mm:ssZ} to {to:yyyy-MM-ddTHH:mm:ssZ} by {step} s is {steps:F0} steps; at most {MaxMetricSteps} are allowed: use a wider step or a shorter span");
        }

        return new MetricRequest(name, aligned, to, step, Text("service"), AttributeFilters(), Grouping());
    }

    private List<KeyValuePair<string, string>> AttributeFilters()
    {
        var filters = new List<KeyValuePair<string, string>>();
        foreach (var parameter in values.Keys.Where(k => k.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal))
        {
            var key = parameter[AttributePrefix.Length..];
            if (key.Length == 0 || key.Length > MaxTextLength)
            {
                throw new QueryParameterException(Shorten(parameter), $"an attribute filter is attr.KEY=VALUE with a key of 1 to {MaxTextLength} characters");
            }

            filters.Add(new(key, Text(parameter)!));
        }

        return filters.Count > MaxAttributeFilters
            ? throw new QueryParameterException(AttributePrefix + "*", $"at most {MaxAttributeFilters} attribute filters, not {filters.Count}")
            : filters;
    }

    private MetricGrouping Grouping()
    {
        var text = Text("group_by");
        if (text is null or "series")
        {
            return MetricGrouping.Series;
        }

        if (string.Equals(text, "none", StringComparison.Ordinal))
        {
            return new MetricGrouping(false, false, []);
        }

        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0) || names.Distinct(StringComparer.Ordinal).Count() != names.Length || names.Length > MaxAttributeFilters)
        {
            throw new QueryParameterException("group_by", $"group_by is series, none, or up to {MaxAttributeFilters} distinct attribute keys separated by commas (service for the service), not '{Shorten(text)}'");
        }

        return new MetricGrouping(false, names.Contains("service", StringComparer.Ordinal), names.Where(n => !string.Equals(n, "service", StringComparison.Ordinal)).ToList());
    }
}
