using System.Diagnostics;
using System.Net.Security;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>
/// The installed binary (/opt/collector/current/collector) started from a scratch root with the installed config, as
/// the systemd unit would start it, except that every path the config names is looked up under the scratch root and
/// both listeners move to free loopback ports (flags win over the config file, so the file itself is what is tested).
/// </summary>
internal sealed class InstalledCollector : IDisposable
{
    private static readonly string[] PathKeys = ["DataDir", "TlsCertificate", "TlsKey", "ApiKeysFile"];
    private readonly ChildProcess _child;

    private InstalledCollector(ChildProcess child, Uri httpUri)
    {
        _child = child;
        HttpUri = httpUri;
    }

    public Uri HttpUri { get; }

    public string Output => _child.Output;

    public static async Task<InstalledCollector> StartAsync(ScratchRoot root, params string[] extraArgs)
    {
        var settings = root.Settings();
        var args = new List<string> { "--config", root.At("/etc/collector/collector.json") };
        foreach (var key in PathKeys)
        {
            if (settings.TryGetProperty(key, out var value))
            {
                args.AddRange([Flag(key), root.At(value.GetString()!)]);
            }
        }

        var scheme = new Uri(settings.GetProperty("HttpUrl").GetString()!).Scheme;
        var httpUri = new Uri($"{scheme}://127.0.0.1:{FreePort.Next()}");
        args.AddRange(["--grpc-url", $"{scheme}://127.0.0.1:{FreePort.Next()}", "--http-url", httpUri.ToString().TrimEnd('/')]);
        args.AddRange(extraArgs);

        var start = new ProcessStartInfo(root.At("/opt/collector/current/collector")) { WorkingDirectory = root.At("/var/lib/collector") };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // As the unit sets it.
        start.Environment["DOTNET_GCgen0size"] = "0x400000";
        var collector = new InstalledCollector(new ChildProcess(start), httpUri);
        await collector.WaitUntilAnsweringAsync();
        return collector;
    }

    /// <summary>A client that trusts the scratch install's self-signed certificate (its chain only; the name must match).</summary>
    public static HttpClient Client() => new(new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null),
        },
    })
    { Timeout = TimeSpan.FromSeconds(5) };

    public async Task<JsonElement> HealthAsync()
    {
        using var http = Client();
        using var response = await http.GetAsync(new Uri(HttpUri, "/healthcheck"));
        Assert.True(response.IsSuccessStatusCode, $"/healthcheck answered {(int)response.StatusCode}:\n{Output}");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls /healthcheck until <paramref name="condition"/> holds; fails with the last answer after 30 s.</summary>
    public async Task<JsonElement> WaitForHealthAsync(Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement last;
        do
        {
            last = await HealthAsync();
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"{what}: not reached in 30 s; last /healthcheck: {last}\n{Output}");
        return last;
    }

    /// <summary>One JSON log event through POST /v1/logs, with a bearer key when the install made keys.</summary>
    public async Task SendLogAsync(string? key = null)
    {
        using var http = Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(HttpUri, "/v1/logs"))
        {
            Content = new StringContent("""{"service":"installer-test","level":"INFO","message":"installed and running"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"POST /v1/logs answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => _child.Dispose();

    private static string Flag(string key) => key switch
    {
        "DataDir" => "--data-dir",
        "TlsCertificate" => "--tls-certificate",
        "TlsKey" => "--tls-key",
        _ => "--api-keys-file",
    };

    private Task WaitUntilAnsweringAsync() =>
        _child.WaitForHttpAsync(new Uri(HttpUri, "/healthcheck"), TimeSpan.FromSeconds(60), "the installed collector", Client);
}
