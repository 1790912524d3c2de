using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Collector.Host.Configuration;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>A scratch file system root the installer writes into (--root), and the installer runs against it.</summary>
internal sealed class ScratchRoot : IDisposable
{
    private readonly TempDirectory _directory = new("collector-root");
    private readonly PublishedRelease _release;

    public ScratchRoot(PublishedRelease release) => _release = release;

    public string Path => _directory.Path;

    /// <summary>Where a target path (/etc/collector/collector.json) lies in this root.</summary>
    public string At(string targetPath) => System.IO.Path.Combine(Path, targetPath.TrimStart('/'));

    /// <summary>deploy/install.sh --root this --yes, plus <paramref name="args"/>; not a terminal, so nothing is asked.</summary>
    public Task<CommandRun> InstallAsync(params string[] args) => InstallAsync(new Dictionary<string, string>(), args);

    public Task<CommandRun> InstallAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        CommandRun.RunAsync(_release.Installer, ["--root", Path, "--yes", .. args], TimeSpan.FromMinutes(2), environment);

    /// <summary>The installed collector.json's Collector section, each of its keys one the collector knows.</summary>
    public JsonElement Settings()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(At("/etc/collector/collector.json")));
        var settings = document.RootElement.GetProperty("Collector").Clone();
        // The options binder ignores a key it does not know, so a misspelt one would pass a start unnoticed.
        var known = CommandLineFlags.All.Select(f => f.Key).ToHashSet(StringComparer.Ordinal);
        Assert.All(settings.EnumerateObject(), setting => Assert.Contains(setting.Name, known));
        return settings;
    }

    /// <summary>A self-signed certificate and its key at /etc/collector/tls/collector.crt and .key, as an operator would place them.</summary>
    public async Task WriteTestCertificateAsync()
    {
        using var certificate = Ingest.TlsTests.CreateSelfSigned();
        Directory.CreateDirectory(At("/etc/collector/tls"));
        await File.WriteAllTextAsync(At("/etc/collector/tls/collector.crt"), certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        await File.WriteAllTextAsync(At("/etc/collector/tls/collector.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public static UnixFileMode Mode(string path) =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException("Unix file modes") : File.GetUnixFileMode(path);

    public void Dispose() => _directory.Dispose();
}
