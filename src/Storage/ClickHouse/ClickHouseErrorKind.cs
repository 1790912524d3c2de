using System.Collections.Frozen;

namespace Collector.Storage.ClickHouse;

/// <summary>What a failed request means for the caller: retry, drop the batch, fix the schema, or tell an operator.</summary>
public enum ClickHouseErrorKind
{
    /// <summary>The server or the network is struggling (unreachable, timeout, overload, too many parts): retry later.</summary>
    Transient,

    /// <summary>The inserted data cannot be parsed or converted: the same rows will fail again, retrying will not help.</summary>
    BadData,

    /// <summary>A database, table or column is missing: re-creating the schema may fix it.</summary>
    Schema,

    /// <summary>
    /// The request itself is refused (authentication, permissions, syntax, unknown setting): a bug or a configuration
    /// error. The data is not at fault, so it must not be dropped; it fails the same way until someone fixes the cause.
    /// </summary>
    Permanent,
}

/// <summary>Maps ClickHouse error codes (src/Common/ErrorCodes.cpp) to <see cref="ClickHouseErrorKind"/>.</summary>
internal static class ClickHouseErrorCodes
{
    private static readonly FrozenSet<int> TransientCodes = FrozenSet.ToFrozenSet(
    [
        3, // UNEXPECTED_END_OF_FILE: the request body was cut off in transit
        159, 160, 209, 210, // TIMEOUT_EXCEEDED, TOO_SLOW, SOCKET_TIMEOUT, NETWORK_ERROR
        173, 241, 243, // CANNOT_ALLOCATE_MEMORY, MEMORY_LIMIT_EXCEEDED, NOT_ENOUGH_SPACE
        201, 202, 203, 364, // QUOTA_EXPIRED, TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION, RECEIVED_ERROR_TOO_MANY_REQUESTS
        204, 425, 439, // CANNOT_FSYNC, SYSTEM_ERROR, CANNOT_SCHEDULE_TASK
        216, 218, 236, 394, // QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING, TABLE_IS_DROPPED, ABORTED, QUERY_WAS_CANCELLED
        373, // SESSION_IS_LOCKED: the session's earlier request still runs
        225, 242, 244, 999, // NO_ZOOKEEPER, TABLE_IS_READ_ONLY (replica lost ZooKeeper), UNEXPECTED_ZOOKEEPER_ERROR, KEEPER_EXCEPTION
        252, 254, 279, 285, 286, 319, 335, 369, // TOO_MANY_PARTS, replica and quorum trouble, UNKNOWN_STATUS_OF_INSERT
        473, // DEADLOCK_AVOIDED
    ]);

    private static readonly FrozenSet<int> BadDataCodes = FrozenSet.ToFrozenSet(
    [
        6, 17, 19, 21, 22, 25, 26, 27, 32, 33, // CANNOT_PARSE_TEXT ... CANNOT_READ_ALL_DATA (a short or garbled row)
        38, 41, 53, 69, 70, 72, // CANNOT_PARSE_DATE(TIME), TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND, CANNOT_CONVERT_TYPE, CANNOT_PARSE_NUMBER
        117, 128, 130, 131, 190, // INCORRECT_DATA, TOO_LARGE_ARRAY_SIZE, CANNOT_READ_ARRAY_FROM_TEXT, TOO_LARGE_STRING_SIZE, SIZES_OF_ARRAYS_DOESNT_MATCH
        321, 349, 354, 376, 407, 441, 467, 469, // out of range, NULL, bad gzip body, UUID, decimal, domain, bool, CONSTRAINT
    ]);

    private static readonly FrozenSet<int> SchemaCodes = FrozenSet.ToFrozenSet(
    [
        8, 10, 16, 20, 47, // THERE_IS_NO_COLUMN, NOT_FOUND_COLUMN_IN_BLOCK, NO_SUCH_COLUMN_IN_TABLE, NUMBER_OF_COLUMNS_DOESNT_MATCH, UNKNOWN_IDENTIFIER
        60, 81, // UNKNOWN_TABLE, UNKNOWN_DATABASE
    ]);

    /// <summary>Classifies by code; without one (code -1, e.g. a proxy's page) by the HTTP status.</summary>
    public static ClickHouseErrorKind Classify(int code, int? httpStatus)
    {
        if (code < 0)
        {
            return httpStatus is null or >= 500 or 408 or 429 ? ClickHouseErrorKind.Transient : ClickHouseErrorKind.Permanent;
        }

        if (TransientCodes.Contains(code))
        {
            return ClickHouseErrorKind.Transient;
        }

        if (BadDataCodes.Contains(code))
        {
            return ClickHouseErrorKind.BadData;
        }

        return SchemaCodes.Contains(code) ? ClickHouseErrorKind.Schema : ClickHouseErrorKind.Permanent;
    }
}
