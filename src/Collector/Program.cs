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

// Exit codes: 0 stopped on request, 1 a fatal failure (at start or while running), 2 invalid configuration,
// 3 the log's commit record is damaged and nothing to fall back to checks out (README: Durability and recovery).
try
{
    await using var app = await CollectorApp.CreateAsync(values);
    try
    {
        await app.StartAsync();
        await app.WaitForShutdownAsync();
    }
    catch (OperationCanceledException) when (app.FatalFailure is not null)
    {
        // A background service failed while the host was still starting, and stopping the host cancelled the start.
    }

    if (app.FatalFailure is { } failure)
    {
        await Console.Error.WriteLineAsync($"fatal: the collector stopped on a failure: {failure.Message}");
        return 1;
    }

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
catch (LogGeometryMismatchException ex)
{
    await Console.Error.WriteLineAsync($"configuration error: {CollectorOptions.Section}:{nameof(CollectorOptions.MaxReceiveMessageBytes)}: {ex.Message}");
    return 2;
}
catch (DurableLogUnavailableException ex)
{
    await Console.Error.WriteLineAsync($"error: {ex.Message}");
    return 1;
}
catch (DamagedLogException ex)
{
    await Console.Error.WriteLineAsync($"error: refusing to start: {ex.Message}");
    return 3;
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // Not an abort (134) with a dump: a supervisor sees a failed start and the reason is on stderr.
    await Console.Error.WriteLineAsync($"fatal: the collector failed: {ex}");
    return 1;
}
