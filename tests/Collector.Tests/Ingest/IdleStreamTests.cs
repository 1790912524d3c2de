using Collector.Host.Ingest;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Collector.Tests.Ingest;

/// <summary>
/// A stream that waits between batches holds no ingest working memory. ConnectionLoadTests found 1,000 idle streams
/// that had each sent one 240 KB batch holding about 500 KB each (612 MiB resident in all): every stream kept the
/// scratch it had rented at its start, grown to its largest batch, for as long as it stayed open.
/// </summary>
public sealed class IdleStreamTests : CollectorTest
{
    [Fact]
    public async Task StreamsIdleAfterABatch_HoldNoScratch_AndEachTakesItsNextBatch()
    {
        var client = Collector.CreateClient();
        var ingest = Collector.App.Services.GetRequiredService<IngestService>();
        var calls = Enumerable.Range(0, 20).Select(_ => client.Stream()).ToList();
        for (var i = 0; i < calls.Count; i++)
        {
            await calls[i].RequestStream.WriteAsync(Events.Batch($"idle-{i}", 1, 3));
            Assert.Equal(3ul, (await calls[i].ResponseStream.ReadNextAsync())!.DurableThrough);
        }

        Assert.Equal(0, ingest.ScratchesOut);

        for (var i = 0; i < calls.Count; i++)
        {
            await calls[i].RequestStream.WriteAsync(Events.Batch($"idle-{i}", 4, 3));
            Assert.Equal(6ul, (await calls[i].ResponseStream.ReadNextAsync())!.DurableThrough);
            await calls[i].RequestStream.CompleteAsync();
            Assert.Null(await calls[i].ResponseStream.ReadNextAsync());
            calls[i].Dispose();
        }

        Assert.Equal(0, ingest.ScratchesOut);
    }
}
