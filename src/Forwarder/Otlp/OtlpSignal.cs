namespace Collector.Forwarder.Otlp;

/// <summary>
/// The three OTLP services a forward batch may need: bits of what a batch has delivered (<see cref="OtlpBatchProgress"/>)
/// and of what an endpoint takes (<see cref="OtlpUpstreamOptions.Signals"/>, --upstream-signals).
/// </summary>
[Flags]
public enum OtlpSignal
{
    None = 0,
    Logs = 1,
    Metrics = 2,
    Traces = 4,
    All = Logs | Metrics | Traces,
}
