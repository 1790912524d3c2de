using System.Text;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Host.Ingest;

/// <summary>Events of one source, received by a way in that has no sequences (OTLP, the JSON API): one unsequenced EventBatch.</summary>
public sealed record SourceEvents(string SourceId, List<Event> Events)
{
    /// <summary>
    /// "<paramref name="prefix"/>/<paramref name="name"/>", cut to the source id limit on a character boundary, so
    /// that a long service name cannot make the whole batch invalid.
    /// </summary>
    public static string SourceIdFor(string prefix, string name)
    {
        var id = $"{prefix}/{name}";
        if (Encoding.UTF8.GetByteCount(id) <= EventLimits.MaxStringLength)
        {
            return id;
        }

        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var rune in id.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > EventLimits.MaxStringLength)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}
