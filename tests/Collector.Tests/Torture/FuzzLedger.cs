using System.Globalization;
using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;

namespace Collector.Tests.Torture;

/// <summary>
/// What one fuzz test's collector answered: every request by method (or route) and code, as the collector labels it in
/// collector_requests_total, and the events the answers acknowledged by ingest protocol (Acks' accepted, OTLP records
/// less the rejected ones, the JSON API's accepted). At the end the collector must agree with it: alive and answering,
/// /metrics counting the same requests and accepted events, and its log, read offline after it stopped, holding
/// exactly as many events as were acknowledged. A failure names the seed and input number that replay it.
/// </summary>
internal sealed class FuzzLedger(string test, int seed)
{
    private const string Scenario = "fuzzing: mutated inputs at every way in";

    private readonly Dictionary<(string Method, string Code), long> _requests = [];
    private readonly Dictionary<string, long> _accepted = [];
    private readonly List<string> _failures = [];

    public int Seed => seed;

    public long Inputs { get; private set; }

    public long Acknowledged => _accepted.Values.Sum();

    /// <summary>How to run input <paramref name="input"/> alone (the numbers are per way in; the message names the way in).</summary>
    public string ReplayHint(int input) =>
        $"seed {seed}, input {input}; replay it alone: COLLECTOR_FUZZ_SEED={seed} COLLECTOR_FUZZ_REPLAY={input} dotnet test tests/Collector.Tests -c Release --filter \"FullyQualifiedName~{test}\"";

    public void Input() => Inputs++;

    /// <summary>
    /// Records a wrong answer to input <paramref name="input"/> and goes on, so that one run shows every kind of
    /// failure; after ten, the run stops at once (a dead collector fails every input after it).
    /// </summary>
    public void Fail(int input, string what, object request)
    {
        _failures.Add($"{what}\n{ReplayHint(input)}\nrequest: {request}");
        if (_failures.Count >= 10)
        {
            AssertNoFailures();
        }
    }

    public void AssertNoFailures(string? collectorOutput = null) =>
        Assert.True(_failures.Count == 0, $"{_failures.Count} wrong answers in {Inputs} inputs{(_failures.Count >= 10 ? " (stopped at ten)" : "")}:\n\n{string.Join("\n\n", _failures)}{CollectorFailures(collectorOutput)}");

    /// <summary>The collector's own failures in its log (an INTERNAL answer's exception is there, not in the answer).</summary>
    private static string CollectorFailures(string? output)
    {
        if (output is null)
        {
            return "";
        }

        var lines = output.Split('\n');
        var failures = lines.Select((line, i) => (line, i)).Where(l => l.line.StartsWith("fail:", StringComparison.Ordinal) || l.line.StartsWith("crit:", StringComparison.Ordinal))
            .SelectMany(l => lines.Skip(l.i).Take(25))
            .Take(200);
        return "\n\nthe collector's failures in its log:\n" + string.Join('\n', failures);
    }

    /// <summary>One request and its answer: a gRPC method path or HTTP route, and a gRPC status name or HTTP status number.</summary>
    public void Answered(string method, string code) => _requests[(method, code)] = _requests.GetValueOrDefault((method, code)) + 1;

    public void Accepted(string protocol, long events) => _accepted[protocol] = _accepted.GetValueOrDefault(protocol) + events;

    /// <summary>The end of a run: no wrong answer, /metrics agrees, and the log (read after a clean stop) holds what was acknowledged.</summary>
    public async Task AssertCollectorAgreesAsync(CollectorProcess collector, string dataDir)
    {
        await AssertMetricsAgreeAsync(collector);
        await AssertLogHoldsTheAcknowledgedAsync(collector, dataDir);
    }

    /// <summary>
    /// The collector agrees with the ledger: it runs and answers, and /metrics shows the same requests by code and the
    /// same accepted events by protocol (waiting a little: a request is counted as its response leaves).
    /// </summary>
    private async Task AssertMetricsAgreeAsync(CollectorProcess collector)
    {
        AssertNoFailures(collector.Output);
        Assert.False(collector.HasExited, $"the collector died during the fuzz run ({Seed}):\n{collector.Output}");
        await collector.HealthAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        List<string> disagreements;
        ScrapedMetrics metrics;
        do
        {
            metrics = new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
            disagreements = Disagreements(metrics);
        }
        while (disagreements.Count > 0 && DateTime.UtcNow < deadline && await Delay());

        Assert.True(disagreements.Count == 0, $"/metrics disagrees with the answers (seed {seed}):\n{string.Join('\n', disagreements)}");
    }

    /// <summary>
    /// Stops the collector (SIGTERM), reads its log offline and reports the run; then asserts the log holds exactly
    /// the acknowledged events: none lost, none stored that no answer acknowledged.
    /// </summary>
    private async Task AssertLogHoldsTheAcknowledgedAsync(CollectorProcess collector, string dataDir)
    {
        await collector.StopAsync();
        var stored = (await LogContents.ReadDirectoryAsync(dataDir)).Count;
        var answers = string.Join(", ", _requests.OrderBy(r => r.Key.Method, StringComparer.Ordinal).ThenBy(r => r.Key.Code, StringComparer.Ordinal)
            .Select(r => $"{r.Key.Method} {r.Key.Code}: {r.Value.ToString("N0", CultureInfo.InvariantCulture)}"));
        TortureReport.Add(
            Scenario,
            $"{test}: {Inputs.ToString("N0", CultureInfo.InvariantCulture)} inputs, seed {seed}",
            Acknowledged,
            Math.Max(0, Acknowledged - stored),
            Math.Max(0, stored - Acknowledged),
            $"answers: {answers}; \"duplicated\" here counts events stored that no answer acknowledged");
        Assert.True(stored == Acknowledged, $"the log holds {stored} events, the answers acknowledged {Acknowledged} (seed {seed})");
    }

    private List<string> Disagreements(ScrapedMetrics metrics)
    {
        var samples = metrics.Samples.ToList();
        double Sum(string name, params (string Label, string Value)[] labels) =>
            samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Sum(s => s.Value);

        var found = new List<string>();
        foreach (var ((method, code), count) in _requests)
        {
            var counted = Sum("collector_requests_total", ("method", method), ("code", code));
            if (counted != count)
            {
                found.Add($"{method} {code}: answered {count}, counted {counted}");
            }
        }

        // No answer the ledger did not see, on the methods it used (an UNKNOWN counted but never received, say).
        var methods = _requests.Keys.Select(k => k.Method).ToHashSet();
        foreach (var sample in samples.Where(s => s.Name == "collector_requests_total" && methods.Contains(s.Labels["method"]) && !_requests.ContainsKey((s.Labels["method"], s.Labels["code"]))))
        {
            found.Add($"{sample.Labels["method"]} {sample.Labels["code"]}: counted {sample.Value}, never answered");
        }

        foreach (var protocol in new[] { "grpc", "otlp_grpc", "otlp_http", "json" })
        {
            var counted = Sum("collector_events_received_total", ("protocol", protocol), ("outcome", "accepted"));
            if (counted != _accepted.GetValueOrDefault(protocol))
            {
                found.Add($"{protocol}: {_accepted.GetValueOrDefault(protocol)} events acknowledged, {counted} counted accepted");
            }
        }

        return found;
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }
}
