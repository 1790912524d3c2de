using System.Text.Json;
using System.Text.Json.Nodes;
using Collector.Host.Ingest;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Host.JsonApi;

/// <summary>A schema error of the JSON API: the field (e.g. "[2].level", or "level" for a single entry) and what is wrong.</summary>
public sealed record JsonLogError(string Field, string Error);

/// <summary>
/// The simple JSON log API: an entry {"timestamp","service","level","message","correlation_id"} or an array of them.
/// timestamp (RFC 3339) and correlation_id are optional. So are the event's own fields, for a service that reports
/// measurements without an SDK: event_type (default "log"), component, value (a number), tokens_generated and
/// prompt_tokens (counts). Any other field with a string, number or boolean value becomes an attribute (numbers as
/// written), null is ignored. All or nothing: one bad entry refuses the request.
/// </summary>
public static class JsonLogParser
{
    public const string SourcePrefix = "json";
    public const string EventType = "log";

    /// <summary>The entries grouped by service, or the first schema error.</summary>
    public static List<SourceEvents> Parse(JsonNode? root, out int count, out JsonLogError? error)
    {
        var batches = new List<SourceEvents>();
        var byService = new Dictionary<string, SourceEvents>(StringComparer.Ordinal);
        count = 0;
        error = null;
        var entries = root switch
        {
            JsonArray array => array.Select((node, i) => (node, $"[{i}]")).ToList(),
            JsonObject => [(root, string.Empty)],
            _ => null,
        };
        if (entries is null)
        {
            error = new JsonLogError(string.Empty, "the body must be a log entry object or an array of them");
            return [];
        }

        foreach (var (node, prefix) in entries)
        {
            var evt = ToEvent(node, prefix, out error);
            if (evt is null)
            {
                return [];
            }

            if (!byService.TryGetValue(evt.Service, out var batch))
            {
                batch = new SourceEvents(SourceEvents.SourceIdFor(SourcePrefix, evt.Service), []);
                byService.Add(evt.Service, batch);
                batches.Add(batch);
            }

            batch.Events.Add(evt);
            count++;
        }

        return batches;
    }

    private static Event? ToEvent(JsonNode? node, string prefix, out JsonLogError? error)
    {
        string Field(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
        error = null;
        if (node is not JsonObject entry)
        {
            error = new JsonLogError(prefix, "a log entry must be a JSON object");
            return null;
        }

        var evt = new Event { EventType = EventType };
        foreach (var (name, value) in entry)
        {
            error = name switch
            {
                "timestamp" => ReadTimestamp(value, Field(name), evt),
                "service" => ReadText(value, name, Field(name), EventLimits.MaxStringLength, allowEmpty: false, text => evt.Service = text),
                "message" => ReadText(value, name, Field(name), EventLimits.MaxMessageLength, allowEmpty: true, text => evt.Message = text),
                "correlation_id" => ReadText(value, name, Field(name), EventLimits.MaxStringLength, allowEmpty: true, text => evt.CorrelationId = text),
                "level" => ReadLevel(value, Field(name), evt),
                "event_type" => ReadText(value, name, Field(name), EventLimits.MaxStringLength, allowEmpty: false, text => evt.EventType = text),
                "component" => ReadText(value, name, Field(name), EventLimits.MaxStringLength, allowEmpty: true, text => evt.Component = text),
                "value" => ReadValue(value, Field(name), evt),
                "tokens_generated" => ReadCount(value, name, Field(name), count => evt.TokensGenerated = count),
                "prompt_tokens" => ReadCount(value, name, Field(name), count => evt.PromptTokens = count),
                _ => ReadAttribute(name, value, Field(name), evt),
            };
            if (error is not null)
            {
                return null;
            }
        }

        foreach (var required in new[] { "service", "level", "message" })
        {
            if (entry[required] is null)
            {
                error = new JsonLogError(Field(required), $"{required} is required");
                return null;
            }
        }

        if (evt.Attributes.Count > EventLimits.MaxAttributes)
        {
            error = new JsonLogError(prefix, $"{evt.Attributes.Count} extra fields; the limit is {EventLimits.MaxAttributes}");
            return null;
        }

        // The contract's own check, the same as on every other way in (e.g. text that is not valid Unicode).
        if (EventValidator.Validate(evt.ToByteArray(), out _, out var reason) != EventVerdict.Valid)
        {
            error = new JsonLogError(prefix, reason ?? "the entry breaks the event contract");
            return null;
        }

        return evt;
    }

    private static JsonLogError? ReadTimestamp(JsonNode? value, string field, Event evt)
    {
        if (value is null)
        {
            return null;
        }

        if (!TryGetString(value, out var text) || !Rfc3339.TryParseUnixNanoseconds(text, out var nanos))
        {
            return new JsonLogError(field, "timestamp must be an RFC 3339 date-time with an offset, e.g. 2025-08-25T10:00:00Z, not before 1970");
        }

        evt.TimeUnixNano = nanos;
        return null;
    }

    private static JsonLogError? ReadLevel(JsonNode? value, string field, Event evt)
    {
        if (!TryGetString(value, out var text) || !SeverityNames.TryParse(text, out var severity))
        {
            return new JsonLogError(field, $"level must be one of {SeverityNames.Accepted} (case-insensitive)");
        }

        evt.Severity = severity;
        return null;
    }

    private static JsonLogError? ReadValue(JsonNode? value, string field, Event evt)
    {
        if (value is null)
        {
            return null;
        }

        // One beyond a double's range (1e999) would read as infinity: refused, as everything not a finite number.
        if (value is not JsonValue scalar || scalar.GetValueKind() != JsonValueKind.Number || !scalar.TryGetValue<double>(out var number) || !double.IsFinite(number))
        {
            return new JsonLogError(field, "value must be a finite JSON number");
        }

        evt.Value = number;
        return null;
    }

    private static JsonLogError? ReadCount(JsonNode? value, string name, string field, Action<uint> set)
    {
        if (value is null)
        {
            return null;
        }

        if (value is not JsonValue scalar || scalar.GetValueKind() != JsonValueKind.Number || !scalar.TryGetValue<uint>(out var count))
        {
            return new JsonLogError(field, $"{name} must be a whole number from 0 to {uint.MaxValue}");
        }

        set(count);
        return null;
    }

    private static JsonLogError? ReadText(JsonNode? value, string name, string field, int maxLength, bool allowEmpty, Action<string> set)
    {
        if (value is null)
        {
            // Required fields are checked once every field is read.
            return null;
        }

        if (!TryGetString(value, out var text))
        {
            return new JsonLogError(field, $"{name} must be a string");
        }

        if (!allowEmpty && text.Length == 0)
        {
            return new JsonLogError(field, $"{name} must not be empty");
        }

        if (CharacterCount(text) > maxLength)
        {
            return new JsonLogError(field, $"{name} is {CharacterCount(text)} characters; the limit is {maxLength}");
        }

        set(text);
        return null;
    }

    private static JsonLogError? ReadAttribute(string name, JsonNode? value, string field, Event evt)
    {
        if (value is null)
        {
            return null;
        }

        if (value is not JsonValue scalar || scalar.GetValueKind() is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
        {
            return new JsonLogError(field, $"extra field {name} must be a string, number or boolean");
        }

        var text = scalar.GetValueKind() == JsonValueKind.String ? scalar.GetValue<string>() : scalar.ToJsonString();
        if (CharacterCount(name) > EventLimits.MaxStringLength || CharacterCount(text) > EventLimits.MaxStringLength)
        {
            return new JsonLogError(field, $"extra fields' names and values are limited to {EventLimits.MaxStringLength} characters");
        }

        evt.Attributes[name] = text;
        return null;
    }

    private static bool TryGetString(JsonNode? value, out string text)
    {
        text = string.Empty;
        return value is JsonValue scalar && scalar.GetValueKind() == JsonValueKind.String && scalar.TryGetValue(out text!);
    }

    /// <summary>Characters as the event limits count them: Unicode scalar values.</summary>
    private static int CharacterCount(string text) => text.EnumerateRunes().Count();
}
