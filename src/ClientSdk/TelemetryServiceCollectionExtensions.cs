using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Collector.ClientSdk;

/// <summary>Registers one <see cref="TelemetryClient"/> for the whole application.</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Adds a singleton <see cref="TelemetryClient"/>, configured by <paramref name="configure"/>; the container disposes (and so flushes) it.</summary>
    public static IServiceCollection AddTelemetryClient(this IServiceCollection services, Action<TelemetryClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<TelemetryClientOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.AddSingleton(sp => new TelemetryClient(
            sp.GetRequiredService<IOptions<TelemetryClientOptions>>().Value,
            sp.GetService<ILogger<TelemetryClient>>()));
        return services;
    }
}
