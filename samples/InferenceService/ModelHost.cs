using System.Collections.Concurrent;
using System.Text;

namespace InferenceService;

/// <summary>The body of POST /generate.</summary>
/// <param name="Model">A model loaded with POST /models/{name}/load.</param>
/// <param name="Prompt">The prompt; about four characters make a token.</param>
/// <param name="MaxTokens">Tokens generated at most.</param>
internal sealed record GenerateRequest(string Model, string Prompt, int MaxTokens = 32);

/// <summary>A generated text and its length in tokens.</summary>
internal sealed record Generation(string Text, int Tokens);

/// <summary>Simulated models: loading and generating take a short random time, nothing is computed.</summary>
internal sealed class ModelHost
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _loaded = new(StringComparer.Ordinal);

    public bool IsLoaded(string model) => _loaded.ContainsKey(model);

    /// <summary>Stands in for reading weights into memory: 20 to 120 ms.</summary>
    public async Task LoadAsync(string model, CancellationToken cancellationToken)
    {
        await Task.Delay(RandomMilliseconds(20, 120), cancellationToken);
        _loaded[model] = DateTimeOffset.UtcNow;
    }

    /// <summary>Stands in for a tokenizer: a token per four characters, about a millisecond.</summary>
    public static async Task<int> TokenizeAsync(string prompt, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return Math.Max(1, (prompt?.Length ?? 0) / 4);
    }

    /// <summary>Stands in for prefill (a millisecond per 32 prompt tokens) and decoding (1 to 3 ms per token).</summary>
    public async Task<Generation> GenerateAsync(string model, int promptTokens, int maxTokens, CancellationToken cancellationToken)
    {
        if (!IsLoaded(model))
        {
            throw new InvalidOperationException($"model {model} is not loaded");
        }

        var tokens = Math.Clamp(maxTokens, 1, 256);
        await Task.Delay((promptTokens / 32) + (tokens * RandomMilliseconds(1, 3)), cancellationToken);
        var text = new StringBuilder();
        for (var i = 0; i < tokens; i++)
        {
            text.Append(i == 0 ? "tok" : " tok");
        }

        return new Generation(text.ToString(), tokens);
    }

#pragma warning disable CA5394 // Simulated latency needs no cryptographic randomness.
    private static int RandomMilliseconds(int min, int max) => Random.Shared.Next(min, max + 1);
#pragma warning restore CA5394
}
