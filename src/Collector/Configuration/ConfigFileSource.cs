using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;

namespace Collector.Host.Configuration;

/// <summary>
/// --config: a JSON settings file (like the examples in examples/) read on top of appsettings.json but beneath
/// environment variables and flags, so a deployment can still override single keys.
/// </summary>
public static class ConfigFileSource
{
    public const string Key = "ConfigFile";

    public static void AddConfigFile(this ConfigurationManager configuration, string? path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new OptionsValidationException(CollectorOptions.Section, typeof(CollectorOptions), [$"{CollectorOptions.Section}:{Key}: file '{path}' does not exist"]);
        }

        var source = new JsonConfigurationSource { Path = Path.GetFileName(fullPath), Optional = false, ReloadOnChange = false };
        source.FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.GetDirectoryName(fullPath)!);
        var sources = ((IConfigurationBuilder)configuration).Sources;
        var environment = sources.ToList().FindIndex(s => s is EnvironmentVariablesConfigurationSource);
        if (environment < 0)
        {
            sources.Add(source);
        }
        else
        {
            sources.Insert(environment, source);
        }
    }
}
