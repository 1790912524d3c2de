using System.Net;
using Collector.Host.Security;

namespace Collector.Host.Configuration;

/// <summary>The security part of <see cref="CollectorOptionsValidator"/>: keys, the loopback rule, mTLS files, limits.</summary>
internal static class SecurityOptionsValidator
{
    public static void Check(CollectorOptions options, List<string> errors)
    {
        var keys = ApiKeySources.Load(options, errors);
        if (keys.Count == 0 && options.ApiKeys.Count == 0 && options.ApiKeysFile is null)
        {
            // Without keys anyone who can connect may send and read: only this machine may connect.
            RequireLoopback(options.GrpcUrl, nameof(options.GrpcUrl), errors);
            RequireLoopback(options.HttpUrl, nameof(options.HttpUrl), errors);
        }

        if (options.TlsClientCa is { } ca)
        {
            if (!File.Exists(ca))
            {
                errors.Add($"{Key(nameof(options.TlsClientCa))}: file '{ca}' does not exist");
            }

            if (!options.GrpcUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{Key(nameof(options.TlsClientCa))} needs an https {Key(nameof(options.GrpcUrl))} (client certificates are a TLS feature)");
            }
        }

        if ((options.UpstreamClientCertificate is null) != (options.UpstreamClientKey is null))
        {
            errors.Add($"{Key(nameof(options.UpstreamClientCertificate))} and {Key(nameof(options.UpstreamClientKey))} go together: set both or neither");
        }

        foreach (var (path, name) in new[] { (options.UpstreamClientCertificate, nameof(options.UpstreamClientCertificate)), (options.UpstreamClientKey, nameof(options.UpstreamClientKey)) })
        {
            if (path is not null && !File.Exists(path))
            {
                errors.Add($"{Key(name)}: file '{path}' does not exist");
            }
        }

        CheckLimits(options, errors);
    }

    private static void CheckLimits(CollectorOptions options, List<string> errors)
    {
        if (options.MaxStreamsPerConnection is < 1 or > 10_000)
        {
            errors.Add($"{Key(nameof(options.MaxStreamsPerConnection))} must be between 1 and 10000 (was {options.MaxStreamsPerConnection})");
        }

        if (options.MaxConcurrentStreams is < 1 or > 1_000_000)
        {
            errors.Add($"{Key(nameof(options.MaxConcurrentStreams))} must be between 1 and 1000000 (was {options.MaxConcurrentStreams})");
        }

        if (!double.IsFinite(options.MaxEventsPerSecondPerKey) || options.MaxEventsPerSecondPerKey < 0)
        {
            errors.Add($"{Key(nameof(options.MaxEventsPerSecondPerKey))} must be 0 (unlimited) or more (was {options.MaxEventsPerSecondPerKey})");
        }

        if (!double.IsFinite(options.EventBurstPerKey) || options.EventBurstPerKey < 0)
        {
            errors.Add($"{Key(nameof(options.EventBurstPerKey))} must be 0 (one second's worth) or more (was {options.EventBurstPerKey})");
        }

        if (options.MaxRequestHeadersBytes is < 1024 or > 1024 * 1024)
        {
            errors.Add($"{Key(nameof(options.MaxRequestHeadersBytes))} must be between 1024 and 1048576 (was {options.MaxRequestHeadersBytes})");
        }

        if (!double.IsFinite(options.RequestHeadersTimeoutMs) || options.RequestHeadersTimeoutMs is < 100 or > 600_000)
        {
            errors.Add($"{Key(nameof(options.RequestHeadersTimeoutMs))} must be between 100 and 600000 (was {options.RequestHeadersTimeoutMs})");
        }

        if (!double.IsFinite(options.KeepAliveTimeoutMs) || options.KeepAliveTimeoutMs is < 100 or > 86_400_000)
        {
            errors.Add($"{Key(nameof(options.KeepAliveTimeoutMs))} must be between 100 and 86400000 (was {options.KeepAliveTimeoutMs})");
        }

        if (!double.IsFinite(options.MinRequestBodyBytesPerSecond) || options.MinRequestBodyBytesPerSecond < 0)
        {
            errors.Add($"{Key(nameof(options.MinRequestBodyBytesPerSecond))} must be 0 (no limit) or more (was {options.MinRequestBodyBytesPerSecond})");
        }
    }

    private static void RequireLoopback(string url, string name, List<string> errors)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || !uri.Scheme.StartsWith("http", StringComparison.Ordinal))
        {
            // Reported as a bad url already.
            return;
        }

        var host = uri.Host.Trim('[', ']');
        var loopback = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        if (!loopback)
        {
            errors.Add($"{Key(name)} listens on '{host}', but no API keys are configured: without {Key(nameof(CollectorOptions.ApiKeys))} or {Key(nameof(CollectorOptions.ApiKeysFile))} the collector listens on loopback only (127.0.0.1, ::1, localhost)");
        }
    }

    private static string Key(string property) => $"{CollectorOptions.Section}:{property}";
}
