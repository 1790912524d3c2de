using Collector.Forwarder;
using Collector.Protocol.Telemetry.V1;
using Collector.Protocol.Telemetry.V1.Log;
using Collector.Storage.Log;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Forwarder;

/// <summary>Log entries to forwarded EventBatches: runs of consecutive sequences, provenance stamped on the raw bytes.</summary>
public sealed class ForwardBatchBuilderTests
{
    private readonly ForwarderCounters _counters = new();

    [Fact]
    public void Add_GapInSequences_TwoRunsEachConsecutive()
    {
        var batch = Build(Entry("src", (5, Events.Valid(0)), (6, Events.Valid(1)), (8, Events.Valid(2))));

        Assert.Equal(2, batch.Runs.Count);
        Assert.Equal((5ul, 6ul), (batch.Runs[0].FirstSequence, batch.Runs[0].LastSequence));
        Assert.Equal((8ul, 8ul), (batch.Runs[1].FirstSequence, batch.Runs[1].LastSequence));
        Assert.Equal(3, batch.Events);
    }

    [Fact]
    public void Add_EventWithoutProvenance_OriginAndPathAreThisNode()
    {
        var batch = Build(Entry("src", (1, Events.Valid(0))));

        var forwarded = Parse(batch.Runs[0]).Events.Single();
        Assert.Equal("edge-1", forwarded.Provenance.Origin);
        Assert.Equal(["edge-1"], forwarded.Provenance.Path);
        Assert.Equal("inference 0 finished", forwarded.Message);
    }

    [Fact]
    public void Add_EventWithProvenance_NodeAppendedOriginKept()
    {
        var evt = Events.Valid(0);
        evt.Provenance = new Provenance { Origin = "device:pixel-7", Path = { "gateway-2" }, TrustLevel = "signed", SyncVersion = 3 };

        var forwarded = Parse(Build(Entry("src", (1, evt))).Runs[0]).Events.Single();

        Assert.Equal("device:pixel-7", forwarded.Provenance.Origin);
        Assert.Equal(["gateway-2", "edge-1"], forwarded.Provenance.Path);
        Assert.Equal("signed", forwarded.Provenance.TrustLevel);
        Assert.Equal(3ul, forwarded.Provenance.SyncVersion);
    }

    [Fact]
    public void Add_NodeAlreadyOnPath_EventLeftOutAndCounted()
    {
        var looped = Events.Valid(0);
        looped.Provenance = new Provenance { Origin = "edge-1", Path = { "edge-1", "core-1" } };

        var batch = Build(Entry("src", (1, looped), (2, Events.Valid(1))));

        Assert.Equal(1, batch.Events);
        Assert.Equal(2ul, batch.Runs.Single().FirstSequence);
        Assert.Equal(1, _counters.DroppedLoops);
    }

    [Fact]
    public void WriteEventBatch_RawRun_ParsesAsTheSameBatchAsObjects()
    {
        var run = Build(Entry("src-é", (41, Events.Valid(0)), (42, Events.Valid(1)))).Runs.Single();

        var parsed = Parse(run);

        Assert.Equal("src-é", parsed.SourceId);
        Assert.Equal(41ul, parsed.FirstSequence);
        Assert.Equal(2, parsed.Events.Count);
        Assert.Equal(run.ReadEvents(), parsed.Events);
    }

    private ForwardBatch Build(byte[] entry)
    {
        var batch = new ForwardBatch();
        Assert.True(new ForwardBatchBuilder("edge-1", _counters).Add(batch, new LogRecord(64, 64 + entry.Length, entry)));
        return batch;
    }

    private static EventBatch Parse(SourceRun run)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        run.WriteEventBatch(writer);
        return EventBatch.Parser.ParseFrom(writer.WrittenSpan);
    }

    private static byte[] Entry(string source, params (ulong Sequence, Event Event)[] events)
    {
        var entry = new LogEntry { SourceId = source, ReceivedUnixNano = 1, HandledThrough = events.Max(e => e.Sequence) };
        entry.Events.AddRange(events.Select(e => new LoggedEvent { Sequence = e.Sequence, Event = e.Event }));
        return [LogEntryFormat.Version1, .. entry.ToByteArray()];
    }
}
