using System.Globalization;

namespace Collector.Storage.ClickHouse;

/// <summary>A failed ClickHouse request: the server's error code and text, or a transport failure (code -1).</summary>
public sealed class ClickHouseException : Exception
{
    public ClickHouseException()
        : this("ClickHouse request failed")
    {
    }

    public ClickHouseException(string message)
        : this(message, innerException: null)
    {
    }

    public ClickHouseException(string message, Exception? innerException)
        : this(ClickHouseErrorKind.Transient, -1, message, httpStatus: null, innerException)
    {
    }

    public ClickHouseException(ClickHouseErrorKind kind, int code, string serverMessage, int? httpStatus, Exception? innerException = null)
        : base(Describe(code, serverMessage, httpStatus), innerException)
    {
        Kind = kind;
        Code = code;
        ServerMessage = serverMessage;
        HttpStatus = httpStatus;
    }

    public ClickHouseErrorKind Kind { get; }

    /// <summary>ClickHouse's error code (60 = UNKNOWN_TABLE, ...), or -1 when the server sent none.</summary>
    public int Code { get; }

    /// <summary>The server's text without the code and exception-type decoration, or the transport failure.</summary>
    public string ServerMessage { get; }

    public int? HttpStatus { get; }

    /// <summary>
    /// Reads an error response. 18.16 sends only the body, <c>Code: 60, e.displayText() = DB::Exception: text, e.what() =
    /// DB::Exception</c>; newer servers send <c>Code: 60. DB::Exception: text. (UNKNOWN_TABLE) (version 23.8)</c> and
    /// the code again in the X-ClickHouse-Exception-Code header.
    /// </summary>
    internal static ClickHouseException FromResponse(int? httpStatus, string? codeHeader, string body)
    {
        var text = body.Trim();
        var code = int.TryParse(codeHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var headerCode) ? headerCode : -1;
        if (text.StartsWith("Code: ", StringComparison.Ordinal))
        {
            var digits = text.AsSpan(6);
            var length = digits.IndexOfAnyExceptInRange('0', '9');
            length = length < 0 ? digits.Length : length;
            if (code < 0 && int.TryParse(digits[..length], NumberStyles.None, CultureInfo.InvariantCulture, out var bodyCode))
            {
                code = bodyCode;
            }

            text = StripDecoration(text[(6 + length)..]);
        }

        // A full disk on the server comes under whatever code the failed write had (18.16: 1000, a Poco file error);
        // it passes like any outage, and is no fault of the request.
        var kind = text.Contains("no space left on device", StringComparison.OrdinalIgnoreCase) ? ClickHouseErrorKind.Transient : ClickHouseErrorCodes.Classify(code, httpStatus);
        return new ClickHouseException(kind, code, text.Length == 0 ? "(empty response)" : text, httpStatus);
    }

    private static string StripDecoration(string text)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[", e.displayText() = ", ". ", ", "])
        {
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                text = text[prefix.Length..];
                break;
            }
        }

        if (text.StartsWith("DB::Exception: ", StringComparison.Ordinal))
        {
            text = text["DB::Exception: ".Length..];
        }

        var what = text.LastIndexOf(", e.what() = ", StringComparison.Ordinal);
        if (what >= 0)
        {
            text = text[..what];
        }

        var version = text.LastIndexOf(" (version ", StringComparison.Ordinal);
        if (version >= 0 && text.EndsWith(')'))
        {
            text = text[..version];
        }

        return text.Trim();
    }

    private static string Describe(int code, string serverMessage, int? httpStatus)
    {
        var origin = code >= 0 ? $"ClickHouse error {code}" : "ClickHouse request failed";
        return httpStatus is { } status ? $"{origin} (HTTP {status}): {serverMessage}" : $"{origin}: {serverMessage}";
    }
}
