using System.Security.Cryptography.X509Certificates;
using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Host.Configuration;
using Collector.Storage.Log;

namespace Collector.Host.Hosting;

/// <summary>The forwarder, registered only when an upstream url is configured: without one it costs nothing.</summary>
public static class ForwarderRegistration
{
    public static void AddForwarder(this IServiceCollection services, CollectorOptions options, LogConsumers consumers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(consumers);
        if (options.UpstreamUrl is not { } url)
        {
            return;
        }

        // Declared before anything can truncate, so the log keeps what the forwarder has not read yet.
        consumers.Expect(ForwardWindow.CursorName);
        // Both were validated with the rest of the configuration.
        var kind = TryParseKind(options.UpstreamKind, out var parsed) ? parsed : throw new ArgumentException("invalid upstream kind", nameof(options));
        _ = ParseHeaders(options.UpstreamHeaders, out var headers);
        _ = ParseSignals(options.UpstreamSignals, out var signals);
        var forwarder = new ForwarderOptions
        {
            UpstreamUrl = new Uri(url),
            Kind = kind,
            NodeId = options.EffectiveNodeId,
            Headers = headers,
            TlsCaCertificate = options.UpstreamCaCertificate,
            TlsClientCertificate = options.UpstreamClientCertificate,
            TlsClientKey = options.UpstreamClientKey,
            BatchEvents = options.UpstreamBatchEvents,

            // OTLP repeats every attribute key per record (about three times our entry bytes); smaller batches keep
            // an export well under the usual 4 MiB receive limit of OTLP endpoints.
            BatchBytes = kind == UpstreamKind.Otlp ? 256 * 1024 : 1024 * 1024,
            MaxInFlightBatches = options.UpstreamMaxInFlightBatches,
            Streams = options.UpstreamStreams,
            MinBackoff = TimeSpan.FromMilliseconds(options.UpstreamMinBackoffMs),
            MaxBackoff = TimeSpan.FromMilliseconds(options.UpstreamMaxBackoffMs),
            CallTimeout = TimeSpan.FromMilliseconds(options.UpstreamTimeoutMs),
            // A little under the log's own budget, so the forwarder, which knows what is in flight, drops first.
            BudgetBytes = (long)(options.LogBudgetBytes * 0.9),
            BudgetAge = TimeSpan.FromDays(options.LogBudgetDays * 0.99),
            LiveShare = options.UpstreamLiveShare,
            OtlpSignals = signals,
        };
        services.AddSingleton(forwarder);
        services.AddSingleton<ForwarderCounters>();
        services.AddSingleton<IUpstream>(provider => CreateUpstream(forwarder, provider.GetRequiredService<ForwarderCounters>()));
        services.AddHostedService<UpstreamForwarder>();
    }

    public static bool TryParseKind(string? text, out UpstreamKind kind) =>
        Enum.TryParse(text, ignoreCase: true, out kind) && Enum.IsDefined(kind);

    /// <summary>Parses a comma-separated list of OTLP signals (logs, metrics, traces; at least one); returns an error or null.</summary>
    public static string? ParseSignals(string? text, out OtlpSignal signals)
    {
        signals = OtlpSignal.None;
        foreach (var name in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var signal = name.ToLowerInvariant() switch
            {
                "logs" => OtlpSignal.Logs,
                "metrics" => OtlpSignal.Metrics,
                "traces" => OtlpSignal.Traces,
                _ => OtlpSignal.None,
            };
            if (signal == OtlpSignal.None)
            {
                return $"'{name}' is not a signal: name logs, metrics or traces, separated by commas";
            }

            signals |= signal;
        }

        return signals == OtlpSignal.None ? "name at least one of logs, metrics, traces" : null;
    }

    /// <summary>Parses "name=value" pairs separated by commas or newlines; returns an error (never the values) or null.</summary>
    public static string? ParseHeaders(string? text, out Dictionary<string, string> headers)
    {
        headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (text ?? string.Empty).Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? pair[..equals].Trim() : string.Empty;
            if (name.Length == 0 || name.Any(c => c <= ' ' || c >= 127 || c == ':'))
            {
                return $"each header must be name=value with a token name (found one named '{name}')";
            }

            headers[name.ToLowerInvariant()] = pair[(equals + 1)..].Trim();
        }

        return null;
    }

    private static IUpstream CreateUpstream(ForwarderOptions options, ForwarderCounters counters)
    {
        var configureHandler = ConfigureTls(options);
        if (options.Kind == UpstreamKind.Otlp)
        {
            return new OtlpUpstream(OtlpUpstreamOptions.From(options, configureHandler), TimeProvider.System, counters);
        }

        return new CollectorUpstream(options, configureHandler);
    }

    private static Action<SocketsHttpHandler>? ConfigureTls(ForwarderOptions options)
    {
        if (options.TlsCaCertificate is null && options.TlsClientCertificate is null)
        {
            return null;
        }

        // Loaded once: every reconnect presents the same certificate.
        var clientCertificate = options.TlsClientCertificate is { } certificate && options.TlsClientKey is { } key
            ? X509Certificate2.CreateFromPemFile(certificate, key)
            : null;
        return handler =>
        {
            if (options.TlsCaCertificate is { } ca)
            {
                TrustOnly(handler, ca);
            }

            if (clientCertificate is not null)
            {
                handler.SslOptions.ClientCertificates = [clientCertificate];
            }
        };
    }

    /// <summary>Validates the upstream's certificate against the given CA only (a private PKI between collectors).</summary>
    private static void TrustOnly(SocketsHttpHandler handler, string caPath)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            // The name must match as usual; only the chain is judged against our CA instead of the system store.
            if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != System.Net.Security.SslPolicyErrors.None)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
    }
}
