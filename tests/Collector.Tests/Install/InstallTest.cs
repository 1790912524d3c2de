namespace Collector.Tests.Install;

/// <summary>A test of the installer: the release published once for the run, and a scratch root of its own.</summary>
[Collection("install")]
public abstract class InstallTest(PublishedRelease release) : IDisposable
{
    private protected PublishedRelease Release { get; } = release;

    private protected ScratchRoot Root { get; } = new(release);

    public void Dispose()
    {
        Root.Dispose();
        GC.SuppressFinalize(this);
    }
}
