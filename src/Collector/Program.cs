using Collector.Host.Configuration;
using Collector.Host.Hosting;
using Collector.Storage.Log;
using Microsoft.Extensions.Options;

if (args is ["--help-markdown"])
{
    Console.Out.Write(ConfigurationReference.Markdown());
    return 0;
}

var error = CommandLineFlags.TryParse(args, out var values, out var help);
if (help)
{
    Console.Out.Write(CommandLineFlags.HelpText());
    return 0;
}

if (error is not null)
{
    await Console.Error.WriteLineAsync($"error: {error}\n\n{CommandLineFlags.HelpText()}");
    return 2;
}

try
{
    await using var app = await CollectorApp.CreateAsync(values);
    await app.StartAsync();
    await app.WaitForShutdownAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    foreach (var failure in ex.Failures)
    {
        await Console.Error.WriteLineAsync($"configuration error: {failure}");
    }

    return 2;
}
catch (DurableLogUnavailableException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}
