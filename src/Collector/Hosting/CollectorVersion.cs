using System.Reflection;

namespace Collector.Host.Hosting;

/// <summary>The collector's version as built (informational version, without the source revision suffix).</summary>
public static class CollectorVersion
{
    public static string Text { get; } = Read();

    private static string Read()
    {
        var informational = typeof(CollectorVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
        {
            return typeof(CollectorVersion).Assembly.GetName().Version?.ToString() ?? "0.0.0";
        }

        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
