using Collector.Host.Configuration;
using Collector.Host.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Collector.Host.Hosting;

/// <summary>API keys (authentication and the access policy), rate and concurrency limits, and the Kestrel limits that cut off slow or oversized requests.</summary>
public static class SecurityRegistration
{
    public static void AddSecurity(this IServiceCollection services, CollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        // Validated with the rest of the configuration; read again here so only digests outlive start-up.
        services.AddSingleton(new ApiKeyRing(ApiKeySources.Load(options, [])));
        services.AddSingleton<SecurityCounters>();
        services.AddSingleton<EventRateLimiter>();
        services.AddSingleton<ConcurrentCallLimit>();

        // One authentication scheme and one policy for both listeners; the policy is the fallback, so it covers every
        // path, served or not.
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddSingleton<IAuthorizationHandler, AccessTableHandler>();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(AccessTableRequirement.Policy)
            .SetFallbackPolicy(AccessTableRequirement.Policy);
    }

    /// <summary>Server-wide limits; gRPC calls lift the body data rate per request (their streams idle).</summary>
    public static void ApplyLimits(KestrelServerLimits limits, CollectorOptions options)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(options);
        limits.MaxRequestHeadersTotalSize = options.MaxRequestHeadersBytes;
        limits.Http2.MaxRequestHeaderFieldSize = options.MaxRequestHeadersBytes;
        limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
        limits.RequestHeadersTimeout = TimeSpan.FromMilliseconds(options.RequestHeadersTimeoutMs);
        limits.KeepAliveTimeout = TimeSpan.FromMilliseconds(options.KeepAliveTimeoutMs);
        limits.MinRequestBodyDataRate = options.MinRequestBodyBytesPerSecond > 0
            ? new MinDataRate(options.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5))
            : null;
    }

    public static void LogAccessMode(ILogger logger, ApiKeyRing keys)
    {
        if (keys.Enabled)
        {
            CollectorLog.ApiKeysLoaded(logger, keys.Count, string.Join(", ", keys.Names));
        }
        else
        {
            CollectorLog.NoApiKeys(logger);
        }
    }
}
