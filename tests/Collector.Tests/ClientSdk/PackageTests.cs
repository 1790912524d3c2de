using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.ClientSdk;

/// <summary>`dotnet pack src/ClientSdk` makes one package a service can install: both assemblies, docs, README, license, symbols.</summary>
public sealed class PackageTests : IDisposable
{
    private const string Id = "Collector.ClientSdk";
    private const string Version = "0.1.0";
    private readonly TempDirectory _output = new("clientsdk-pack");

    public void Dispose() => _output.Dispose();

    [Fact]
    public async Task Pack_ClientSdk_PackageHoldsBothAssembliesReadmeLicenseDependenciesAndSymbols()
    {
        await PackAsync(_output.Path);

        var nupkg = Path.Combine(_output.Path, $"{Id}.{Version}.nupkg");
        var snupkg = Path.Combine(_output.Path, $"{Id}.{Version}.snupkg");
        Assert.True(File.Exists(nupkg), $"no {nupkg}; found: {string.Join(", ", Directory.GetFiles(_output.Path))}");
        Assert.True(File.Exists(snupkg), $"no symbols package {snupkg}");

        using (var package = ZipFile.OpenRead(nupkg))
        {
            var entries = package.Entries.Select(e => e.FullName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("lib/net10.0/Collector.ClientSdk.dll", entries);
            Assert.Contains("lib/net10.0/Collector.ClientSdk.xml", entries);
            Assert.Contains("lib/net10.0/Collector.Protocol.dll", entries);
            Assert.Contains("README.md", entries);
            Assert.Contains("LICENSE", entries);
            Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.Ordinal));

            Assert.Contains("AddTelemetryClient", ReadText(package, "README.md"), StringComparison.Ordinal);
            Assert.Contains("MIT License", ReadText(package, "LICENSE"), StringComparison.Ordinal);

            var metadata = Nuspec(package);
            var ns = metadata.Name.Namespace;
            Assert.Equal(Id, metadata.Element(ns + "id")?.Value);
            Assert.Equal(Version, metadata.Element(ns + "version")?.Value);
            Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
            var license = metadata.Element(ns + "license");
            Assert.NotNull(license);
            Assert.Equal(("expression", "MIT"), (license.Attribute("type")?.Value, license.Value));

            // Protocol ships inside the package, so what it needs must come as dependencies and Protocol must not:
            // Google.Protobuf for the messages, Grpc.Core.Api for the generated Collector.CollectorClient, Grpc.Net.Client
            // for the channel the sender streams over.
            var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")?.Value).ToList();
            Assert.Contains("Google.Protobuf", dependencies);
            Assert.Contains("Grpc.Core.Api", dependencies);
            Assert.Contains("Grpc.Net.Client", dependencies);
            Assert.DoesNotContain(dependencies, d => d is not null && d.Contains("Protocol", StringComparison.OrdinalIgnoreCase));
        }

        using var symbols = ZipFile.OpenRead(snupkg);
        var symbolEntries = symbols.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/Collector.ClientSdk.pdb", symbolEntries);
        Assert.Contains("lib/net10.0/Collector.Protocol.pdb", symbolEntries);
    }

    private static async Task PackAsync(string outputDirectory)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var arg in new[] { "pack", Path.Combine(RepoPaths.Root, "src", "ClientSdk", "ClientSdk.csproj"), "-c", "Release", "-o", outputDirectory, "-nologo", "--disable-build-servers" })
        {
            start.ArgumentList.Add(arg);
        }

        // Leave no MSBuild node or compiler server behind the test.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("dotnet pack took over 120 s:\n" + await stdout);
        }

        Assert.True(process.ExitCode == 0, $"dotnet pack failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
    }

    private static string ReadText(ZipArchive package, string entryName)
    {
        using var reader = new StreamReader(package.GetEntry(entryName)!.Open());
        return reader.ReadToEnd();
    }

    private static XElement Nuspec(ZipArchive package)
    {
        var entry = Assert.Single(package.Entries, e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = entry.Open();
        var metadata = XDocument.Load(stream).Root?.Elements().FirstOrDefault(e => e.Name.LocalName == "metadata");
        Assert.NotNull(metadata);
        return metadata;
    }
}
