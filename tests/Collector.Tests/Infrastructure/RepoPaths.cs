namespace Collector.Tests.Infrastructure;

/// <summary>Where the repository's files are, found from the test assembly's location.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string ProtoRoot => Path.Combine(Root, "proto");

    public static string PythonPeer => Path.Combine(Root, "tests", "Interop", "python", "peer.py");

    /// <summary>The collector built in the same configuration as the tests.</summary>
    public static string CollectorDll => Path.Combine(Root, "src", "Collector", "bin", Configuration, "net10.0", "Collector.dll");

    /// <summary>samples/<paramref name="name"/>'s assembly, built in the same configuration as the tests.</summary>
    public static string SampleDll(string name) => Path.Combine(Root, "samples", name, "bin", Configuration, "net10.0", name + ".dll");

    /// <summary>tests/<paramref name="name"/>'s assembly (a program the tests run as a process), built in the same configuration.</summary>
    public static string TestProgramDll(string name) => Path.Combine(Root, "tests", name, "bin", Configuration, "net10.0", name + ".dll");

    private static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Collector.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Collector.sln not found above " + AppContext.BaseDirectory);
    }
}
