using System.Globalization;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.ClientSdk;

/// <summary>Turns buffered log calls into wire events, on the sender's thread: the metadata of each kind lives here.</summary>
internal static class EventFactory
{
    public static Event Create(in PendingEvent pending, string service)
    {
        if (pending.Kind == PendingKind.Full && pending.Payload is Event full)
        {
            if (full.Service.Length == 0)
            {
                full.Service = service;
            }

            return full;
        }

        // The collector refuses strings over its limits; clipping here keeps the event rather than losing it.
        var e = new Event
        {
            TimeUnixNano = (ulong)Math.Max(0, pending.UnixNano),
            EventType = Clip(string.IsNullOrEmpty(pending.EventType) ? "UNKNOWN" : pending.EventType, EventLimits.MaxStringLength),
            Component = Clip(pending.Component, EventLimits.MaxStringLength),
            Value = double.IsFinite(pending.Value) ? pending.Value : 0,
            Status = Clip(pending.Status, EventLimits.MaxStringLength),
            Severity = Enum.IsDefined(pending.Severity) ? pending.Severity : Severity.Unspecified,
            Message = Clip(pending.Message, EventLimits.MaxMessageLength),
            Service = Clip(service, EventLimits.MaxStringLength),
        };
        if (pending.Attributes is { } attributes)
        {
            foreach (var (key, value) in attributes.Take(EventLimits.MaxAttributes - 6))
            {
                if (!string.IsNullOrEmpty(key))
                {
                    e.Attributes[Clip(key, EventLimits.MaxStringLength)] = Clip(value, EventLimits.MaxStringLength);
                }
            }
        }

        switch (pending.Kind)
        {
            case PendingKind.LoadLatency:
                e.Attributes["model"] = e.Component;
                e.Attributes["load_time_ms"] = Number(pending.A);
                break;
            case PendingKind.ThoughtLatency:
                AddThoughtMetadata(e, inferenceMs: pending.A, tokens: (uint)pending.B, promptTokens: (uint)pending.C);
                break;
            case PendingKind.VramCheck:
                e.Attributes["gpu_id"] = Number(pending.Value);
                e.Attributes["free_mb"] = Number(pending.A);
                e.Attributes["used_mb"] = Number(pending.B);
                e.Attributes["total_mb"] = Number(pending.C);
                e.Value = pending.A;
                if (pending.C > 0)
                {
                    e.Attributes["utilization_pct"] = Number(100 * pending.B / pending.C);
                }

                break;
            case PendingKind.Timed:
                e.Attributes["duration_ms"] = Number(pending.A);
                break;
        }

        // The collector refuses NaN and infinities; they say "no value" here.
        e.Value = double.IsFinite(e.Value) ? e.Value : 0;
        return e;
    }

    private static void AddThoughtMetadata(Event e, double inferenceMs, uint tokens, uint promptTokens)
    {
        e.TokensGenerated = tokens;
        e.PromptTokens = promptTokens;
        e.Attributes["inference_time_ms"] = Number(inferenceMs);
        e.Attributes["tokens_generated"] = tokens.ToString(CultureInfo.InvariantCulture);
        e.Attributes["prompt_tokens"] = promptTokens.ToString(CultureInfo.InvariantCulture);
        e.Attributes["total_tokens"] = ((ulong)tokens + promptTokens).ToString(CultureInfo.InvariantCulture);
        if (tokens > 0)
        {
            e.Attributes["latency_per_token_ms"] = Number(e.Value);
        }
    }

    /// <summary>At most <paramref name="max"/> characters, never splitting a surrogate pair; lone surrogates become U+FFFD.</summary>
    internal static string Clip(string? text, int max)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var clipped = text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
        return HasLoneSurrogate(clipped) ? ReplaceLoneSurrogates(clipped) : clipped;
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static string ReplaceLoneSurrogates(string text) =>
        System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));

    private static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "0";
}
