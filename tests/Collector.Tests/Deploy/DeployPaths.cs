using Collector.Tests.Infrastructure;

namespace Collector.Tests.Deploy;

/// <summary>The files under deploy/ the installer copies; the tests read them where they are in the repository.</summary>
internal static class DeployPaths
{
    public static string Prometheus => Path.Combine(RepoPaths.Root, "deploy", "prometheus");

    public static string AlertRules => Path.Combine(Prometheus, "collector-alerts.yml");

    public static string AlertTests => Path.Combine(Prometheus, "collector-alerts.test.yml");

    public static string PrometheusConfig => Path.Combine(Prometheus, "prometheus.yml");

    public static string Dashboard(string name) => Path.Combine(RepoPaths.Root, "deploy", "grafana", "dashboards", name);
}
