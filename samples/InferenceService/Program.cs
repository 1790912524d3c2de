using Collector.ClientSdk; // adoption 1/5
using InferenceService;

// A stand-in for a model server: it "loads" models and "generates" tokens with simulated delays and reports each
// load and each generation to a collector through the ClientSdk. The lines marked "adoption n/5" are all a service
// needs; the rest is the simulated service.
var builder = WebApplication.CreateBuilder(args);
var collectorUrl = new Uri(builder.Configuration["COLLECTOR_URL"] ?? "http://127.0.0.1:4317");
builder.Services.AddTelemetryClient(o => // adoption 2/5
{
    o.CollectorUrl = collectorUrl;
    o.ServiceName = "inference-service";
});
builder.Services.AddSingleton<ModelHost>();

var app = builder.Build();

// LOAD_LATENCY: value = load time in seconds, attributes model and load_time_ms.
app.MapPost("/models/{name}/load", async (string name, ModelHost models, TelemetryClient telemetry /* adoption 3/5 */, CancellationToken cancellationToken) =>
{
    var start = telemetry.StartTimer(); // adoption 4/5
    await models.LoadAsync(name, cancellationToken);
    telemetry.LogLoadLatency(name, telemetry.MeasureLatency(start)); // adoption 5/5
    return Results.Ok(new { model = name, loaded = true });
});

// TOKENIZE (a timed scope) and THOUGHT_LATENCY: value = ms per generated token, with the token counts.
app.MapPost("/generate", async (GenerateRequest request, ModelHost models, TelemetryClient telemetry, CancellationToken cancellationToken) =>
{
    if (!models.IsLoaded(request.Model))
    {
        return Results.NotFound(new { error = $"model {request.Model} is not loaded: POST /models/{request.Model}/load first" });
    }

    int promptTokens;
    using (telemetry.Time("TOKENIZE", request.Model))
    {
        // The scope logs TOKENIZE with duration_ms when it is disposed.
        promptTokens = await ModelHost.TokenizeAsync(request.Prompt, cancellationToken);
    }

    var start = telemetry.StartTimer();
    var reply = await models.GenerateAsync(request.Model, promptTokens, request.MaxTokens, cancellationToken);
    telemetry.LogThoughtLatency(request.Model, telemetry.MeasureLatency(start), reply.Tokens, promptTokens);
    return Results.Ok(new { model = request.Model, text = reply.Text, prompt_tokens = promptTokens, tokens_generated = reply.Tokens });
});

// What the client has done: logged, sent, acknowledged, dropped, buffered, connected.
app.MapGet("/telemetry/stats", (TelemetryClient telemetry) => telemetry.Stats);

await app.RunAsync();
