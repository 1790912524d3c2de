using Microsoft.Extensions.Options;

namespace Collector.Host.Configuration;

/// <summary>Reports every configuration error at once, each naming its key.</summary>
public sealed class CollectorOptionsValidator : IValidateOptions<CollectorOptions>
{
    public ValidateOptionsResult Validate(string? name, CollectorOptions options)
    {
        var errors = new List<string>();
        CheckUrl(options.GrpcUrl, nameof(options.GrpcUrl), options, errors);
        CheckUrl(options.HttpUrl, nameof(options.HttpUrl), options, errors);
        if (string.IsNullOrWhiteSpace(options.DataDir))
        {
            errors.Add($"{Key(nameof(options.DataDir))} must name a directory");
        }

        if (options.MaxReceiveMessageBytes is < 1024 or > 64 * 1024 * 1024)
        {
            errors.Add($"{Key(nameof(options.MaxReceiveMessageBytes))} must be between 1024 and 67108864 (was {options.MaxReceiveMessageBytes})");
        }

        if (options.CommitIntervalMs is <= 0 or > 1000 || !double.IsFinite(options.CommitIntervalMs))
        {
            errors.Add($"{Key(nameof(options.CommitIntervalMs))} must be above 0 and at most 1000 (was {options.CommitIntervalMs})");
        }

        if (options.CheckpointIntervalMs is < 100 or > 3_600_000 || !double.IsFinite(options.CheckpointIntervalMs))
        {
            errors.Add($"{Key(nameof(options.CheckpointIntervalMs))} must be between 100 and 3600000 (was {options.CheckpointIntervalMs})");
        }

        if (options.TlsCertificate is { } certificate && !File.Exists(certificate))
        {
            errors.Add($"{Key(nameof(options.TlsCertificate))}: file '{certificate}' does not exist");
        }

        if (options.TlsKey is { } key && !File.Exists(key))
        {
            errors.Add($"{Key(nameof(options.TlsKey))}: file '{key}' does not exist");
        }

        CheckClickHouse(options, errors);
        CheckUpstream(options, errors);
        CheckSelfTelemetry(options, errors);
        SecurityOptionsValidator.Check(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckUrl(string url, string name, CollectorOptions options, List<string> errors)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal)))
        {
            errors.Add($"{Key(name)} must be an absolute http:// or https:// url (was '{url}')");
            return;
        }

        if (string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal) && string.IsNullOrEmpty(options.TlsCertificate))
        {
            errors.Add($"{Key(name)} is https but {Key(nameof(options.TlsCertificate))} is not set");
        }
    }

    private static void CheckSelfTelemetry(CollectorOptions options, List<string> errors)
    {
        // Checked whether it came from a flag or the OTel variables, so a typo in either stops start-up.
        var endpoint = options.OtelEndpoint ?? Environment.GetEnvironmentVariable(SelfTelemetry.SelfTelemetryOptions.EndpointVariable);
        var endpointKey = options.OtelEndpoint is null ? SelfTelemetry.SelfTelemetryOptions.EndpointVariable : Key(nameof(options.OtelEndpoint));
        if (!string.IsNullOrWhiteSpace(endpoint)
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal))))
        {
            errors.Add($"{endpointKey} must be an absolute http:// or https:// url (was '{endpoint}')");
        }

        var protocol = options.OtelProtocol ?? Environment.GetEnvironmentVariable(SelfTelemetry.SelfTelemetryOptions.ProtocolVariable);
        if (!SelfTelemetry.SelfTelemetryOptions.TryParseProtocol(protocol, out _))
        {
            var protocolKey = options.OtelProtocol is null ? SelfTelemetry.SelfTelemetryOptions.ProtocolVariable : Key(nameof(options.OtelProtocol));
            errors.Add($"{protocolKey} must be grpc or http/protobuf (was '{protocol}')");
        }

        if (options.OtelMetricsIntervalMs is < 100 or > 3_600_000 || !double.IsFinite(options.OtelMetricsIntervalMs))
        {
            errors.Add($"{Key(nameof(options.OtelMetricsIntervalMs))} must be between 100 and 3600000 (was {options.OtelMetricsIntervalMs})");
        }
    }

    private static void CheckUpstream(CollectorOptions options, List<string> errors)
    {
        if (options.Role is { } role && !Hosting.NodeIdentity.Roles.Contains(role, StringComparer.Ordinal))
        {
            errors.Add($"{Key(nameof(options.Role))} must be one of {string.Join(", ", Hosting.NodeIdentity.Roles)} (was '{role}')");
        }

        if (options.NodeId is { } nodeId && (nodeId.Length is 0 or > Protocol.Telemetry.EventLimits.MaxStringLength || nodeId.Any(char.IsWhiteSpace)))
        {
            errors.Add($"{Key(nameof(options.NodeId))} must be 1 to {Protocol.Telemetry.EventLimits.MaxStringLength} characters without spaces (was '{nodeId}')");
        }

        if (options.UpstreamUrl is not { } url)
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal)))
        {
            errors.Add($"{Key(nameof(options.UpstreamUrl))} must be an absolute http:// or https:// url (was '{url}')");
        }

        if (!Hosting.ForwarderRegistration.TryParseKind(options.UpstreamKind, out _))
        {
            errors.Add($"{Key(nameof(options.UpstreamKind))} must be collector or otlp (was '{options.UpstreamKind}')");
        }

        if (Hosting.ForwarderRegistration.ParseSignals(options.UpstreamSignals, out _) is { } signalsError)
        {
            errors.Add($"{Key(nameof(options.UpstreamSignals))}: {signalsError}");
        }

        if (Hosting.ForwarderRegistration.ParseHeaders(options.UpstreamHeaders, out _) is { } headerError)
        {
            errors.Add($"{Key(nameof(options.UpstreamHeaders))}: {headerError}");
        }

        if (options.UpstreamCaCertificate is { } ca && !File.Exists(ca))
        {
            errors.Add($"{Key(nameof(options.UpstreamCaCertificate))}: file '{ca}' does not exist");
        }

        if (options.UpstreamBatchEvents is < 1 or > 100_000)
        {
            errors.Add($"{Key(nameof(options.UpstreamBatchEvents))} must be between 1 and 100000 (was {options.UpstreamBatchEvents})");
        }

        if (options.UpstreamMaxInFlightBatches is < 1 or > 1024)
        {
            errors.Add($"{Key(nameof(options.UpstreamMaxInFlightBatches))} must be between 1 and 1024 (was {options.UpstreamMaxInFlightBatches})");
        }

        if (options.UpstreamStreams is < 1 or > 64)
        {
            errors.Add($"{Key(nameof(options.UpstreamStreams))} must be between 1 and 64 (was {options.UpstreamStreams})");
        }

        CheckBackoff(nameof(options.UpstreamMinBackoffMs), options.UpstreamMinBackoffMs, nameof(options.UpstreamMaxBackoffMs), options.UpstreamMaxBackoffMs, errors);

        if (!double.IsFinite(options.UpstreamTimeoutMs) || options.UpstreamTimeoutMs is < 100 or > 600_000)
        {
            errors.Add($"{Key(nameof(options.UpstreamTimeoutMs))} must be between 100 and 600000 (was {options.UpstreamTimeoutMs})");
        }

        if (options.LogBudgetBytes < 1024 * 1024)
        {
            errors.Add($"{Key(nameof(options.LogBudgetBytes))} must be at least 1048576 (was {options.LogBudgetBytes})");
        }

        if (options.MemoryLimitBytes is < 0 or (> 0 and < 16L << 20))
        {
            errors.Add($"{Key(nameof(options.MemoryLimitBytes))} must be 0 (a quarter of the memory available) or at least 16777216 (16 MiB) (was {options.MemoryLimitBytes})");
        }

        if (options.LogSegmentBytes is < 16L << 20 or > 4L << 30 || !long.IsPow2(options.LogSegmentBytes))
        {
            errors.Add($"{Key(nameof(options.LogSegmentBytes))} must be a power of two from 16777216 (16 MiB) to 4294967296 (4 GiB) (was {options.LogSegmentBytes})");
        }

        if (!double.IsFinite(options.LogBudgetDays) || options.LogBudgetDays is <= 0 or > 3650)
        {
            errors.Add($"{Key(nameof(options.LogBudgetDays))} must be above 0 and at most 3650 (was {options.LogBudgetDays})");
        }

        if (!double.IsFinite(options.UpstreamLiveShare) || options.UpstreamLiveShare is < 0 or > 0.9)
        {
            errors.Add($"{Key(nameof(options.UpstreamLiveShare))} must be between 0 and 0.9 (was {options.UpstreamLiveShare})");
        }
    }

    private static void CheckClickHouse(CollectorOptions options, List<string> errors)
    {
        if (!Storage.ClickHouse.SqlText.IsIdentifier(options.ClickHouseDatabase))
        {
            errors.Add($"{Key(nameof(options.ClickHouseDatabase))} must match ^[A-Za-z_][A-Za-z0-9_]*$ (was '{options.ClickHouseDatabase}')");
        }

        if (options.ClickHouseBatchRows is < 1 or > 1_000_000)
        {
            // One insert must stay one ClickHouse block (1,048,576 rows) to be all or nothing.
            errors.Add($"{Key(nameof(options.ClickHouseBatchRows))} must be between 1 and 1000000 (was {options.ClickHouseBatchRows})");
        }

        if (options.ClickHouseBatchBytes is < 1024 or > 256 * 1024 * 1024)
        {
            errors.Add($"{Key(nameof(options.ClickHouseBatchBytes))} must be between 1024 and 268435456 (was {options.ClickHouseBatchBytes})");
        }

        if (options.ClickHouseBatchDelayMs is < 1 or > 600_000 || !double.IsFinite(options.ClickHouseBatchDelayMs))
        {
            errors.Add($"{Key(nameof(options.ClickHouseBatchDelayMs))} must be between 1 and 600000 (was {options.ClickHouseBatchDelayMs})");
        }

        CheckBackoff(nameof(options.ClickHouseMinBackoffMs), options.ClickHouseMinBackoffMs, nameof(options.ClickHouseMaxBackoffMs), options.ClickHouseMaxBackoffMs, errors);

        if (options.ClickHouseCompression is not ("auto" or "gzip" or "none"))
        {
            errors.Add($"{Key(nameof(options.ClickHouseCompression))} must be auto, gzip or none (was {options.ClickHouseCompression})");
        }

        if (options.ClickHouseTimeoutMs is < 100 or > 3_600_000 || !double.IsFinite(options.ClickHouseTimeoutMs))
        {
            errors.Add($"{Key(nameof(options.ClickHouseTimeoutMs))} must be between 100 and 3600000 (was {options.ClickHouseTimeoutMs})");
        }

        if (options.RetentionRawDays < 1 || options.RetentionRollupDays < 1)
        {
            errors.Add($"{Key(nameof(options.RetentionRawDays))} and {Key(nameof(options.RetentionRollupDays))} must be at least 1");
        }

        if (options.ClickHouseUrl is not { } url)
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (!string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) && !string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.Ordinal)))
        {
            errors.Add($"{Key(nameof(options.ClickHouseUrl))} must be an absolute http:// or https:// url");
        }
        else if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            // Credentials in a url end up in logs; they have their own keys.
            errors.Add($"{Key(nameof(options.ClickHouseUrl))} must not carry credentials; use {Key(nameof(options.ClickHouseUser))} and {Key(nameof(options.ClickHousePassword))}");
        }
    }

    private static string Key(string property) => $"{CollectorOptions.Section}:{property}";

    private static void CheckBackoff(string minName, double min, string maxName, double max, List<string> errors)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min < 1 || max < min || max > 3_600_000)
        {
            errors.Add($"{Key(minName)} must be at least 1 and at most {Key(maxName)}, itself at most 3600000 (were {min} and {max})");
        }
    }
}
