namespace Collector.Tests.Infrastructure;

/// <summary>A fresh directory under /tmp, deleted with the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "collector-test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still holds a file; /tmp is cleaned eventually.
        }
    }
}
