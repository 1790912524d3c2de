using System.Text;

namespace Collector.Host.Configuration;

/// <summary>
/// The one reference of every setting: --help prints it as text, --help-markdown as the README's table (a test
/// keeps the README equal to it). Built from <see cref="CommandLineFlags.All"/> plus the settings without a flag.
/// </summary>
public static class ConfigurationReference
{
    /// <summary>Settings without a flag: lists, secrets that must not be in ps, and the OpenTelemetry variables.</summary>
    public static readonly IReadOnlyList<(string Key, string Environment, string Default, string Meaning)> WithoutFlag =
    [
        ("Collector:ApiKeys", "Collector__ApiKeys__0__Name, __Role, __Key", "none", "API keys: a list of Name, Role (ingest, query or admin) and Key (16+ printable characters); with --api-keys-file, both count. No keys: no authentication, loopback only"),
        ("Logging:LogLevel:Default", "Logging__LogLevel__Default", "Information", "Log level of the collector's console log (Trace, Debug, Information, Warning, Error)"),
        ("-", SelfTelemetry.SelfTelemetryOptions.EndpointVariable, "none", "Self-telemetry endpoint when --otel-endpoint is not given"),
        ("-", SelfTelemetry.SelfTelemetryOptions.ProtocolVariable, "grpc", "Self-telemetry protocol when --otel-protocol is not given"),
    ];

    public static string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| flag | configuration key | environment variable | default | meaning |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var flag in CommandLineFlags.All)
        {
            Row(text, $"`{flag.Flag}`", $"`{CollectorOptions.Section}:{flag.Key}`", $"`{CollectorOptions.Section}__{flag.Key}`", flag.Default, flag.Meaning);
        }

        foreach (var (key, environment, defaultValue, meaning) in WithoutFlag)
        {
            Row(text, "-", string.Equals(key, "-", StringComparison.Ordinal) ? "-" : $"`{key}`", $"`{environment}`", defaultValue, meaning);
        }

        return text.ToString();
    }

    private static void Row(StringBuilder text, string flag, string key, string environment, string defaultValue, string meaning) =>
        text.Append("| ").Append(flag).Append(" | ").Append(key).Append(" | ").Append(environment).Append(" | ")
            .Append(Escape(defaultValue)).Append(" | ").Append(Escape(meaning)).AppendLine(" |");

    // A pipe would end the markdown cell.
    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}
