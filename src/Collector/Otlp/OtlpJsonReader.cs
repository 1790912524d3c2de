using System.Text.Json.Nodes;
using Collector.Forwarder.Otlp.V1;
using Google.Protobuf;

namespace Collector.Host.Otlp;

/// <summary>
/// OTLP/JSON requests of every signal. The encoding is proto3's JSON mapping (lowerCamelCase or proto field names,
/// enums as integers, 64-bit integers as strings or numbers, unknown fields ignored) with one exception: trace and
/// span ids (traceId, spanId, parentSpanId, wherever they appear: records, spans, links, exemplars) are hex strings,
/// not base64. This reader turns those into base64, hands 64-bit integers given as JSON numbers over as strings
/// (JsonParser reads a number through a double, which loses nanoseconds), and lets Google.Protobuf's JsonParser do
/// the rest.
/// </summary>
public static class OtlpJsonReader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static readonly HashSet<string> IdFields = new(StringComparer.Ordinal)
    {
        "traceId", "trace_id", "spanId", "span_id", "parentSpanId", "parent_span_id",
    };

    // The 64-bit integer fields of the three requests (bucket counts are arrays of them).
    private static readonly HashSet<string> Int64Fields = new(StringComparer.Ordinal)
    {
        "timeUnixNano", "time_unix_nano", "observedTimeUnixNano", "observed_time_unix_nano", "startTimeUnixNano",
        "start_time_unix_nano", "endTimeUnixNano", "end_time_unix_nano", "intValue", "int_value", "asInt", "as_int",
        "count", "zeroCount", "zero_count", "bucketCounts", "bucket_counts",
    };

    /// <summary>Whether a JSON body is an OTLP logs request rather than the simple JSON API's shape.</summary>
    public static bool IsOtlp(JsonNode? root) =>
        root is JsonObject body && (body.ContainsKey("resourceLogs") || body.ContainsKey("resource_logs"));

    /// <summary>Reads a logs request; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static ExportLogsServiceRequest Read(JsonObject root) => Read<ExportLogsServiceRequest>(root);

    /// <summary>Reads a request of type <typeparamref name="T"/>; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static T Read<T>(JsonObject root)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(root);
        Prepare(root, string.Empty);
        try
        {
            return Parser.Parse<T>(root.ToJsonString());
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new FormatException($"not an OTLP {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    /// <summary>Converts ids and quotes 64-bit numbers in place, naming the JSON path of anything wrong.</summary>
    private static void Prepare(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    var at = path.Length == 0 ? name : $"{path}.{name}";
                    if (IdFields.Contains(name) && value is JsonValue id)
                    {
                        obj[name] = HexToBase64(id, at);
                    }
                    else if (Int64Fields.Contains(name))
                    {
                        obj[name] = Quoted(value);
                    }
                    else
                    {
                        Prepare(value, at);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Prepare(array[i], $"{path}[{i}]");
                }

                break;
        }
    }

    /// <summary>A number as a string; an array of numbers element by element; anything else as it was (JsonParser judges it).</summary>
    private static JsonNode? Quoted(JsonNode? value)
    {
        switch (value)
        {
            case JsonValue number when number.GetValueKind() == System.Text.Json.JsonValueKind.Number:
                return JsonValue.Create(number.ToJsonString());
            case JsonArray items:
                var quoted = new JsonArray();
                foreach (var item in items)
                {
                    quoted.Add(Quoted(item?.DeepClone()));
                }

                return quoted;
            default:
                return value?.DeepClone();
        }
    }

    private static JsonValue HexToBase64(JsonValue value, string path)
    {
        if (!value.TryGetValue<string>(out var hex))
        {
            throw new FormatException($"{path} must be a hex string");
        }

        try
        {
            return JsonValue.Create(Convert.ToBase64String(Convert.FromHexString(hex)));
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path} is not a hex string (OTLP/JSON encodes ids as hex, not base64): '{Clip(hex)}'", ex);
        }
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
