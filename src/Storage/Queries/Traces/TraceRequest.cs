namespace Collector.Storage.Queries;

/// <summary>
/// The trace id of GET /telemetry/traces/{trace_id}: 32 hex digits in either case, kept lowercase as the tables store
/// it. The all-zero id is refused: W3C trace context calls it invalid, and no span carries it.
/// </summary>
public sealed record TraceRequest(string TraceId)
{
    public const string Parameter = "trace_id";

    public static TraceRequest Parse(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length != 32 || !text.All(char.IsAsciiHexDigit))
        {
            var shown = text is null ? string.Empty : text.Length <= 64 ? text : text[..64] + "...";
            throw new QueryParameterException(Parameter, $"trace_id must be 32 hex digits, not '{shown}'");
        }

        return text.All(c => c == '0')
            ? throw new QueryParameterException(Parameter, "trace_id 00000000000000000000000000000000 is invalid (W3C trace context)")
            : new TraceRequest(text.ToLowerInvariant());
    }
}
