using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Collector.Host.Configuration;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Hosting;

/// <summary>One configuration reference: the README's table, --help and the example settings files agree with the code.</summary>
public sealed partial class ConfigurationReferenceTests : IDisposable
{
    private const string AdminKey = "admin-key-0123456789abcdef";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Readme_ConfigurationTable_IsTheGeneratedReference()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var begin = readme.IndexOf("<!-- configuration reference", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- end of configuration reference -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "README.md has no configuration reference markers");
        var table = readme[(readme.IndexOf('\n', begin) + 1)..end];

        // On a mismatch: dotnet src/Collector/bin/Debug/net10.0/Collector.dll --help-markdown, and paste it in.
        Assert.Equal(ConfigurationReference.Markdown().ReplaceLineEndings("\n"), table.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void Reference_EverySettingOfTheOptionsHasAFlagOrARow()
    {
        var documented = CommandLineFlags.All.Select(f => f.Key)
            .Concat(ConfigurationReference.WithoutFlag.Select(r => r.Key.Replace("Collector:", string.Empty, StringComparison.Ordinal)))
            .ToHashSet(StringComparer.Ordinal);
        var settable = typeof(CollectorOptions).GetProperties()
            .Where(p => p.CanWrite && p.Name != nameof(CollectorOptions.EffectiveNodeId))
            .Select(p => p.Name);

        var undocumented = string.Join(", ", settable.Where(name => !documented.Contains(name)));
        Assert.True(undocumented.Length == 0, $"settings missing from the reference: {undocumented}");
        Assert.All(CommandLineFlags.All, f => Assert.False(string.IsNullOrWhiteSpace(f.Default) || string.IsNullOrWhiteSpace(f.Meaning), f.Flag));
    }

    [Fact]
    public async Task Help_PrintsEveryFlagWithItsKeyDefaultAndMeaning()
    {
        var (exitCode, output) = await CollectorProcess.RunToExitAsync(new Dictionary<string, string>(StringComparer.Ordinal), "--help");

        Assert.Equal(0, exitCode);
        foreach (var flag in CommandLineFlags.All)
        {
            Assert.Contains($"{flag.Meaning}. Default {flag.Default} [Collector:{flag.Key}]", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CoreExample_WithItsFilesInPlace_StartsWithKeysFromItsFile()
    {
        var config = WriteExample("core.appsettings.json");
        using var core = await CollectorProcess.StartAsync(
            Path.Combine(_dir.Path, "core-data"), "--config", config, "--grpc-url", $"https://127.0.0.1:{FreePort.Next()}", "--clickhouse-url", $"http://127.0.0.1:{FreePort.Next()}", "--otel-endpoint", $"http://127.0.0.1:{FreePort.Next()}");

        var health = await core.HealthAsync();
        Assert.Equal("core-1", health.GetProperty("node").GetProperty("id").GetString());
        Assert.Equal("core", health.GetProperty("node").GetProperty("role").GetString());

        using var http = new HttpClient { BaseAddress = core.HttpUri };
        using var refused = await http.GetAsync(new Uri("/telemetry/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/telemetry/status", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        using var allowed = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.DoesNotContain(AdminKey, core.Output, StringComparison.Ordinal);
        await core.StopAsync();
    }

    [Fact]
    public async Task EdgeExample_WithItsFilesInPlace_StartsAsAnEdgeWithItsTags()
    {
        var config = WriteExample("edge.appsettings.json");
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_dir.Path, "edge-data"), "--config", config, "--upstream-url", $"https://127.0.0.1:{FreePort.Next()}");

        var health = await edge.HealthAsync();
        Assert.Equal("edge", health.GetProperty("node").GetProperty("role").GetString());
        Assert.Contains("site=plant-7", health.GetProperty("node").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(100, await EventStreamer.SendAsync(edge.GrpcUri, "example-edge", 1, 100));
        await edge.StopAsync();
    }

    /// <summary>Copies an example with every /etc/collector path pointing at a real file of the right kind.</summary>
    private string WriteExample(string name)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", name));
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=example ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        using var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        var files = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [".crt"] = leaf.ExportCertificatePem(),
            [".key"] = leafKey.ExportPkcs8PrivateKeyPem(),
            ["ca.crt"] = ca.ExportCertificatePem(),
            ["api-keys"] = $"ops admin {AdminKey}\nfleet ingest ingest-key-0123456789abcdef\n",
        };

        var rewritten = EtcPath().Replace(text, match =>
        {
            var path = Path.Combine(_dir.Path, Path.GetFileName(match.Value));
            var kind = files.Keys.Where(k => match.Value.EndsWith(k, StringComparison.Ordinal)).MaxBy(k => k.Length)!;
            File.WriteAllText(path, files[kind]);
            return path;
        });

        // Loopback and free ports: the example's public addresses stay out of a test run.
        var copy = Path.Combine(_dir.Path, name);
        File.WriteAllText(copy, rewritten.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("https://127.0.0.1:4317", $"https://127.0.0.1:{FreePort.Next()}", StringComparison.Ordinal)
            .Replace("https://127.0.0.1:4318", $"https://127.0.0.1:{FreePort.Next()}", StringComparison.Ordinal));
        return copy;
    }

    [GeneratedRegex("/etc/collector/[A-Za-z0-9/._-]+")]
    private static partial Regex EtcPath();
}
