using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// A private Prometheus (Debian's package) as a child process: its own config and TSDB directory under /tmp and a
/// free loopback port, scraping one target every second. The package's own service (if anything started it) listens
/// on 9090 with /var/lib/prometheus; nothing here touches either.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";

    private readonly ChildProcess _process;
    private readonly TempDirectory _directory;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(ChildProcess process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public Uri Url { get; }

    public string Output => _process.Output;

    /// <summary>
    /// Starts Prometheus scraping <paramref name="target"/> (host:port) at /metrics every second, job "collector",
    /// evaluating the rules of <paramref name="ruleFile"/> (if any) every second.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(Uri target, string? ruleFile = null)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: run scripts/install-deps.sh --tests");
        var directory = new TempDirectory("prometheus-test");
        var config = Path.Combine(directory.Path, "prometheus.yml");
        var rules = ruleFile is null ? "[]" : $"['{ruleFile}']";
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files: {rules}
            scrape_configs:
              - job_name: collector
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target.Authority}']
            """);
        return await StartProcessAsync(directory, config);
    }

    /// <summary>
    /// Starts Prometheus on a configuration given whole (an installed one), written to a file in
    /// <paramref name="configDirectory"/> so that rule files named relative to it are found.
    /// </summary>
    public static async Task<PrometheusServer> StartWithConfigAsync(string configText, string configDirectory)
    {
        Assert.True(File.Exists(Binary), $"{Binary} is missing: run scripts/install-deps.sh --tests");
        var directory = new TempDirectory("prometheus-test");
        var config = Path.Combine(configDirectory, $"prometheus-test-{Guid.NewGuid():N}.yml");
        await File.WriteAllTextAsync(config, configText);
        return await StartProcessAsync(directory, config);
    }

    private static async Task<PrometheusServer> StartProcessAsync(TempDirectory directory, string config)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo(Binary) { WorkingDirectory = directory.Path };
        foreach (var arg in new[]
        {
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory.Path, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var server = new PrometheusServer(new ChildProcess(start), directory, port);
        await server._process.WaitForHttpAsync(new Uri(server.Url, "-/ready"), TimeSpan.FromSeconds(60), "prometheus");
        return server;
    }

    /// <summary>An instant PromQL query through /api/v1/query; the values of the resulting vector (empty if none).</summary>
    public async Task<IReadOnlyList<double>> QueryAsync(string promql)
    {
        var text = await _http.GetStringAsync(new Uri(Url, $"api/v1/query?query={Uri.EscapeDataString(promql)}"));
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal("success", root.GetProperty("status").GetString());
        return root.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(sample => double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))
            .ToList();
    }

    /// <summary>An instant query's whole answer (status, data or errorType and error), also when Prometheus refuses the query.</summary>
    public async Task<JsonElement> EvaluateAsync(string promql) =>
        await GetJsonAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");

    /// <summary>GET of an API path; the parsed body whatever the status code.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(Url, path));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls <paramref name="promql"/> until its single value equals <paramref name="expected"/>; fails with the last answer.</summary>
    public async Task WaitForValueAsync(string promql, double expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyList<double> last;
        do
        {
            last = await QueryAsync(promql);
            if (last.Count == 1 && last[0] == expected)
            {
                return;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{promql}: expected {expected}, last answer [{string.Join(", ", last)}] after {timeout.TotalSeconds} s:\n{Output}");
    }

    public void Dispose()
    {
        _http.Dispose();
        _process.Dispose();
        _directory.Dispose();
    }
}
