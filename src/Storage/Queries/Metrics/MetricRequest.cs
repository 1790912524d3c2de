namespace Collector.Storage.Queries;

/// <summary>
/// What GET /telemetry/metrics asks: one metric by name over [From, To) in steps of StepSeconds (From aligned down
/// to a whole step, so steps are multiples of the step since the epoch), filtered by service and attribute values,
/// answered per series or aggregated by <see cref="Grouping"/>.
/// </summary>
public sealed record MetricRequest(
    string Name,
    DateTimeOffset From,
    DateTimeOffset To,
    int StepSeconds,
    string? Service,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    MetricGrouping Grouping);

/// <summary>
/// group_by: "series" (the default: every distinct service and attribute set on its own), "none" (everything in
/// one), or a comma-separated list of attribute keys, where "service" means the service column.
/// </summary>
public sealed record MetricGrouping(bool PerSeries, bool ByService, IReadOnlyList<string> Keys)
{
    public static readonly MetricGrouping Series = new(true, true, []);

    public IReadOnlyList<string> Names => PerSeries ? ["series"] : ByService ? ["service", .. Keys] : Keys;
}
