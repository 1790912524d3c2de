// The durable log's segment files as FASTER's device: <data-dir>/log/segment.N, one file per segment, the names and
// contents FASTER's own ManagedLocalStorageDevice gives them (LogSegmentFiles reads them offline the same way).
//
// Why our own: FASTER's managed device hands every write to the thread pool twice (Task.Run, then FileStream's
// emulated async write) and flushes it once more; at a group commit every millisecond those hand-offs, and the
// pool threads blocked in O_SYNC writes, were most of the collector's CPU per event and its ack tail (thread-pool
// starvation; see bench/RESULTS.md, "Where the time goes").
//
// Invariants
// - Writes are durable when their callback runs: every file is opened O_SYNC (FileOptions.WriteThrough), so a
//   pwrite returns only once its data and the metadata to read it back (the file's size) are on the disk. FASTER
//   calls a commit done only after the flush callbacks of every page it covers, so an Ack still means on disk.
// - Aligned writes (all of FASTER's, whose pages and flushes are sector-aligned) go through a second handle with
//   O_DIRECT where Linux allows it (DirectIo): no copy into the page cache, half the kernel CPU of a 1 MiB write on
//   the bench machine. Reads and any unaligned write use the buffered handle; the kernel keeps the two coherent.
//   A disk with 4 KiB logical sectors refuses FASTER's 512-byte-aligned tails: the first refused write is written
//   buffered instead and the device stops writing direct.
// - Writes are done in the order FASTER issued them, by one dedicated thread: no pool thread ever blocks on the disk,
//   and a write never waits behind a busy pool. Reads go to the pool (consumers reading back the log, recovery).
// - A failed write or read is reported to FASTER with a non-zero error code, never thrown into FASTER's caller:
//   FASTER then fails the commit and DurableLog reopens the log (DurableLog.Reopen.cs).
// - Files are opened as FASTER's device opened them (OpenOrCreate), so a missing segment reads as empty, which
//   recovery and the readers recognise (CommitRecordCheck, DurableLog.Damage.cs).
using System.Collections.Concurrent;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Collector.Storage.Log;

internal sealed class SegmentDevice : StorageDeviceBase
{
    private const uint SectorBytes = 512;
    private const uint UnknownError = uint.MaxValue;

    private readonly ConcurrentDictionary<int, SegmentFile> _files = new();
    private readonly Queue<PendingWrite> _writes = new();
    private readonly object _writesLock = new();
    private readonly Thread _writer;
    private bool _stopping;

    // Set once a direct write failed (above all: the disk wants more alignment than FASTER's 512-byte sectors give,
    // a 4 KiB-sector disk): every later write of this device goes buffered. Read and set by the writer thread only.
    private bool _directRefused;

    public SegmentDevice(string filePrefix)
        : base(filePrefix, SectorBytes, Devices.CAPACITY_UNSPECIFIED)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(filePrefix)!);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "log segment writer" };
        _writer.Start();
    }

    public override void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        HandleCapacity(segmentId);
        lock (_writesLock)
        {
            _writes.Enqueue(new PendingWrite(sourceAddress, segmentId, (long)destinationAddress, numBytesToWrite, callback, context));
            if (_writes.Count == 1)
            {
                Monitor.Pulse(_writesLock);
            }
        }
    }

    public override void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            read => read.Run(this),
            new PendingRead(segmentId, (long)sourceAddress, destinationAddress, readLength, callback, context),
            preferLocal: false);

    public override void RemoveSegment(int segment)
    {
        if (_files.TryRemove(segment, out var file))
        {
            file.Dispose();
        }

        try
        {
            File.Delete(SegmentPath(segment));
        }
        catch (IOException)
        {
            // Left behind, it lies below the log's begin and is deleted with the next truncation or ignored.
        }
    }

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        RemoveSegment(segment);
        callback(result);
    }

    public override long GetFileSize(int segment) => segmentSize > 0 ? segmentSize : RandomAccess.GetLength(FileOf(segment).Buffered);

    public override void Dispose()
    {
        lock (_writesLock)
        {
            _stopping = true;
            Monitor.Pulse(_writesLock);
        }

        // What FASTER issued before disposing is written (and its callbacks run) before the files close.
        _writer.Join();
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }

        _files.Clear();
    }

    private string SegmentPath(int segment) => GetSegmentFilename(FileName, segment);

    private SegmentFile FileOf(int segment)
    {
        if (_files.TryGetValue(segment, out var file))
        {
            return file;
        }

        // Under a lock so that a read and a write of a new segment never both open it (one handle would leak).
        lock (_files)
        {
            return _files.GetOrAdd(segment, static (id, device) => SegmentFile.Open(device.SegmentPath(id)), this);
        }
    }

    private void WriteLoop()
    {
        var batch = new List<PendingWrite>();
        while (true)
        {
            lock (_writesLock)
            {
                while (_writes.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_writesLock);
                }

                if (_writes.Count == 0)
                {
                    return;
                }

                batch.AddRange(_writes);
                _writes.Clear();
            }

            foreach (var write in batch)
            {
                write.Run(this);
            }

            batch.Clear();
        }
    }

    // False when the write is the buffered handle's: no direct handle, unaligned, or direct writes refused.
    private bool TryWriteDirect(SegmentFile file, ReadOnlySpan<byte> bytes, IntPtr source, long offset)
    {
        if (file.Direct is not { } direct || _directRefused || !DirectIo.IsAligned(source, offset, (uint)bytes.Length))
        {
            return false;
        }

        try
        {
            RandomAccess.Write(direct, bytes, offset);
            return true;
        }
        catch (IOException)
        {
            // The buffered write that follows tells which it was: if it lands, the disk refused the alignment (EINVAL),
            // not the write; if it fails too, that failure is reported. Either way this device writes buffered now.
            _directRefused = true;
            return false;
        }
    }

    private static uint ErrorCode(Exception failure) => failure is IOException { HResult: var code } && (code & 0xFFFF) != 0 ? (uint)(code & 0xFFFF) : UnknownError;

    /// <summary>
    /// A segment file's handles, both O_SYNC: buffered for reads and for writes O_DIRECT cannot take, and direct
    /// (no page-cache copy) for aligned writes where the system allows it. Linux keeps the two coherent: a direct
    /// write drops the range from the page cache.
    /// </summary>
    private sealed class SegmentFile(SafeFileHandle buffered, SafeFileHandle? direct) : IDisposable
    {
        public SafeFileHandle Buffered { get; } = buffered;

        public SafeFileHandle? Direct { get; } = direct;

        public static SegmentFile Open(string path)
        {
            var buffered = OpenHandle(path);
            var direct = OpenHandle(path);
            if (!DirectIo.TryEnable(direct))
            {
                direct.Dispose();
                direct = null;
            }

            return new SegmentFile(buffered, direct);
        }

        public void Dispose()
        {
            Buffered.Dispose();
            Direct?.Dispose();
        }

        private static SafeFileHandle OpenHandle(string path) =>
            File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, FileOptions.WriteThrough);
    }

    private readonly record struct PendingWrite(IntPtr Source, int Segment, long Offset, uint Length, DeviceIOCompletionCallback Callback, object Context)
    {
        public unsafe void Run(SegmentDevice device)
        {
            uint error = 0;
            try
            {
                var file = device.FileOf(Segment);
                var bytes = new ReadOnlySpan<byte>((void*)Source, (int)Length);
                if (!device.TryWriteDirect(file, bytes, Source, Offset))
                {
                    RandomAccess.Write(file.Buffered, bytes, Offset);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                error = ErrorCode(ex);
            }

            Callback(error, error == 0 ? Length : 0, Context);
        }
    }

    private sealed record PendingRead(int Segment, long Offset, IntPtr Destination, uint Length, DeviceIOCompletionCallback Callback, object Context)
    {
        public unsafe void Run(SegmentDevice device)
        {
            uint error = 0;
            var read = 0;
            try
            {
                var buffer = new Span<byte>((void*)Destination, (int)Length);
                var file = device.FileOf(Segment).Buffered;
                while (read < buffer.Length)
                {
                    var got = RandomAccess.Read(file, buffer[read..], Offset + read);
                    if (got == 0)
                    {
                        break;
                    }

                    read += got;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                error = ErrorCode(ex);
                read = 0;
            }

            Callback(error, (uint)read, Context);
        }
    }
}
