namespace Collector.Storage.Log;

/// <summary>One committed entry as read back: its address, the address after it, and its bytes.</summary>
public readonly record struct LogRecord(long Address, long NextAddress, ReadOnlyMemory<byte> Bytes);
