using System.Diagnostics.CodeAnalysis;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Install;

/// <summary>
/// scripts/publish.sh run once for every test of the "install" collection: the self-contained release the installer
/// installs, in a scratch directory deleted at the end of the run.
/// </summary>
public sealed class PublishedRelease : IAsyncLifetime
{
    private readonly TempDirectory _directory = new("collector-release");

    public string Path => System.IO.Path.Combine(_directory.Path, "release");

    /// <summary>The version the repository's VERSION file names, which the release must carry.</summary>
    public string Version { get; } = File.ReadAllText(System.IO.Path.Combine(RepoPaths.Root, "VERSION")).Trim();

    /// <summary>The installer as an operator runs it: from inside the release.</summary>
    public string Installer => System.IO.Path.Combine(Path, "deploy", "install.sh");

    public async Task InitializeAsync() =>
        (await CommandRun.RunAsync(System.IO.Path.Combine(RepoPaths.Root, "scripts", "publish.sh"), [Path], TimeSpan.FromMinutes(5)))
            .Succeeded("scripts/publish.sh");

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition("install")]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit test collection definition.")]
public sealed class InstallCollection : ICollectionFixture<PublishedRelease>;
