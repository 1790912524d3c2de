namespace Collector.Tests.Install;

/// <summary>
/// The unit as the installer writes it, checked by systemd-analyze verify in the scratch root (there is no systemd
/// running here: --root makes it read the unit, the targets it names and ExecStart's binary from that root alone).
/// </summary>
public sealed class SystemdUnitTests(PublishedRelease release) : InstallTest(release)
{
    private const string SystemdAnalyze = "/usr/bin/systemd-analyze";
    [Fact]
    public async Task InstalledUnit_VerifiesWithoutAComplaint()
    {
        Assert.True(File.Exists(SystemdAnalyze), $"{SystemdAnalyze} is missing: run scripts/install-deps.sh (Debian's systemd package)");
        (await Root.InstallAsync("--mode", "none")).Succeeded("install");
        // The host's own units (multi-user.target, network-online.target, ...) that the unit's dependencies name.
        Directory.CreateDirectory(Root.At("/usr/lib/systemd"));
        (await CommandRun.RunAsync("cp", ["-a", "/usr/lib/systemd/system", Root.At("/usr/lib/systemd/")], TimeSpan.FromSeconds(30))).Succeeded("cp");

        var verify = await CommandRun.RunAsync(SystemdAnalyze, ["verify", "--root=" + Root.Path, "/etc/systemd/system/collector.service"], TimeSpan.FromSeconds(60));

        // Unknown keys and bad values are warnings with exit code 0: any output at all fails.
        Assert.True(verify.ExitCode == 0 && verify.Output.Trim().Length == 0, $"systemd-analyze verify exited {verify.ExitCode}:\n{verify.Output}");
    }

    [Fact]
    public void Release_HoldsTheBinaryItsConfigAndVersion()
    {
        Assert.True(File.Exists(Path.Combine(Release.Path, "collector")), "the binary is named collector");
        Assert.True(File.Exists(Path.Combine(Release.Path, "appsettings.json")));
        Assert.True(File.Exists(Path.Combine(Release.Path, "libcoreclr.so")), "self-contained: the runtime is in the release");
        Assert.Equal(Release.Version, File.ReadAllText(Path.Combine(Release.Path, "VERSION")).Trim());
        Assert.True(File.Exists(Release.Installer));
    }
}
