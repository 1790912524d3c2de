using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace GeneratedClient;

/// <summary>The sample's command line: where the collector is, which source to send as, how much.</summary>
internal sealed record SampleOptions(Uri CollectorUrl, string SourceId, int Batches, int EventsPerBatch, string? ApiKey)
{
    public const string Usage =
        "usage: GeneratedClient [--collector-url http://127.0.0.1:4317] [--source-id ID] [--batches N] [--events-per-batch N] [--api-key KEY]";

    /// <summary>Parses "--name value" pairs; anything else gives an error that names it.</summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out SampleOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = new SampleOptions(new Uri("http://127.0.0.1:4317"), "generated-client-sample", Batches: 10, EventsPerBatch: 100, ApiKey: null);
        error = null;
        for (var i = 0; i < args.Count && error is null; i += 2)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[i + 1] : null;
            (options, error) = (name, value) switch
            {
                (_, null) => (options, $"{name} needs a value"),
                ("--collector-url", _) when Uri.TryCreate(value, UriKind.Absolute, out var url) => (options with { CollectorUrl = url }, null),
                ("--source-id", _) => (options with { SourceId = value }, null),
                ("--batches", _) when Positive(value) is { } batches => (options with { Batches = batches }, null),
                ("--events-per-batch", _) when Positive(value) is { } events => (options with { EventsPerBatch = events }, null),
                ("--api-key", _) => (options with { ApiKey = value }, null),
                _ => (options, $"bad option: {name} {value}"),
            };
        }

        if (error is not null)
        {
            (options, error) = (null, error + "\n" + Usage);
            return false;
        }

        return true;
    }

    private static int? Positive(string value) =>
        int.TryParse(value, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : null;
}
