using System.Text.Json.Nodes;
using Collector.Forwarder.Otlp.V1;
using Google.Protobuf;

namespace Collector.Host.Otlp;

/// <summary>
/// OTLP/JSON logs requests. The encoding is proto3's JSON mapping (lowerCamelCase or proto field names, enums as
/// integers, 64-bit integers as strings or numbers, unknown fields ignored) with one exception: trace_id and span_id
/// are hex strings, not base64. This reader turns those into base64 and lets Google.Protobuf's JsonParser do the rest.
/// </summary>
public static class OtlpJsonReader
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    // The 64-bit integer fields of the logs request; JsonParser reads a JSON number through a double, which loses
    // nanoseconds, so numbers in them are handed over as the strings proto3 JSON also allows.
    private static readonly HashSet<string> Int64Fields = new(StringComparer.Ordinal)
    {
        "timeUnixNano", "time_unix_nano", "observedTimeUnixNano", "observed_time_unix_nano", "intValue", "int_value",
    };

    /// <summary>Whether a JSON body is an OTLP request rather than the simple JSON API's shape.</summary>
    public static bool IsOtlp(JsonNode? root) =>
        root is JsonObject body && (body.ContainsKey("resourceLogs") || body.ContainsKey("resource_logs"));

    /// <summary>Reads the request; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static ExportLogsServiceRequest Read(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var (resourceLogs, r) in Items(root, "resourceLogs", "resource_logs"))
        {
            foreach (var (scopeLogs, s) in Items(resourceLogs, "scopeLogs", "scope_logs"))
            {
                foreach (var (record, l) in Items(scopeLogs, "logRecords", "log_records"))
                {
                    var path = $"resourceLogs[{r}].scopeLogs[{s}].logRecords[{l}]";
                    HexToBase64(record, "traceId", "trace_id", path);
                    HexToBase64(record, "spanId", "span_id", path);
                }
            }
        }

        QuoteInt64Numbers(root);
        try
        {
            return Parser.Parse<ExportLogsServiceRequest>(root.ToJsonString());
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException)
        {
            throw new FormatException($"not an OTLP ExportLogsServiceRequest: {ex.Message}", ex);
        }
    }

    private static IEnumerable<(JsonObject Item, int Index)> Items(JsonNode parent, string name, string protoName)
    {
        if (parent is not JsonObject parentObject || (parentObject[name] ?? parentObject[protoName]) is not JsonArray items)
        {
            // A wrong type is JsonParser's to report; an absent list has nothing to convert.
            yield break;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is JsonObject item)
            {
                yield return (item, i);
            }
        }
    }

    private static void HexToBase64(JsonObject record, string name, string protoName, string path)
    {
        foreach (var key in new[] { name, protoName })
        {
            if (record[key] is not JsonValue value)
            {
                continue;
            }

            if (!value.TryGetValue<string>(out var hex))
            {
                throw new FormatException($"{path}.{name} must be a hex string");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromHexString(hex);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"{path}.{name} is not a hex string (OTLP/JSON encodes ids as hex, not base64): '{Clip(hex)}'", ex);
            }

            record[key] = Convert.ToBase64String(bytes);
        }
    }

    private static void QuoteInt64Numbers(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (Int64Fields.Contains(name) && value is JsonValue number && number.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                    {
                        obj[name] = number.ToJsonString();
                    }
                    else
                    {
                        QuoteInt64Numbers(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    QuoteInt64Numbers(item);
                }

                break;
        }
    }

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
