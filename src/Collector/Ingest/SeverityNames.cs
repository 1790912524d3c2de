using Collector.Protocol.Telemetry.V1;

namespace Collector.Host.Ingest;

/// <summary>The level names the JSON API accepts and OTLP severity_text is compared with, case-insensitive.</summary>
public static class SeverityNames
{
    public const string Accepted = "TRACE, DEBUG, INFO, WARN, WARNING, ERROR, FATAL, CRITICAL";

    /// <summary>The severity a level name stands for; false for a name outside <see cref="Accepted"/> (and INFORMATION).</summary>
    public static bool TryParse(string? name, out Severity severity)
    {
        severity = name?.ToUpperInvariant() switch
        {
            "TRACE" => Severity.Trace,
            "DEBUG" => Severity.Debug,

            // INFORMATION is how .NET's LogLevel spells it, which the OpenTelemetry .NET SDK sends as severity_text.
            "INFO" or "INFORMATION" => Severity.Info,
            "WARN" or "WARNING" => Severity.Warn,
            "ERROR" => Severity.Error,
            "FATAL" or "CRITICAL" => Severity.Fatal,
            _ => Severity.Unspecified,
        };
        return severity != Severity.Unspecified;
    }
}
