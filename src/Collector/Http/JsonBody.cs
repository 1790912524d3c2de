using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Collector.Host.Otlp;

namespace Collector.Host.Http;

/// <summary>
/// A JSON body of /v1/logs, read once for both of its shapes. JSON must be UTF-8 (RFC 8259), and System.Text.Json
/// checks string contents only when a string is read, long after parsing succeeded; so the body is checked whole
/// first, and every malformed body (a name twice in one object, too) is an error that says what is wrong instead of
/// an exception deep inside a reader. <see cref="IsOtlp"/> says which shape the body has, so that its error is
/// answered in that shape's format: for a body that does not parse, whether its top level names resourceLogs as far
/// as it can be read.
/// </summary>
internal readonly record struct JsonBody(JsonNode? Root, string? Error, bool IsOtlp)
{
    // A name twice in one object is refused while parsing; JsonObject would otherwise throw at its first lookup.
    private static readonly JsonDocumentOptions UniqueNames = new() { AllowDuplicateProperties = false };

    public static JsonBody Parse(byte[] bytes)
    {
        if (Utf8Text.FirstInvalidByte(bytes) is var invalid and >= 0)
        {
            var error = $"the body is not valid UTF-8 (byte {invalid.ToString(CultureInfo.InvariantCulture)} of {bytes.Length.ToString(CultureInfo.InvariantCulture)}); JSON must be UTF-8";
            return new JsonBody(null, error, NamesOtlpKey(bytes));
        }

        try
        {
            var root = JsonNode.Parse(bytes, documentOptions: UniqueNames);
            return new JsonBody(root, null, OtlpJsonReader.IsOtlp(root));
        }
        catch (JsonException ex)
        {
            return new JsonBody(null, $"the body is not valid JSON: {ex.Message}", NamesOtlpKey(bytes));
        }
    }

    /// <summary>Whether a top-level property named resourceLogs comes before anything that stops the reading.</summary>
    private static bool NamesOtlpKey(byte[] bytes)
    {
        // Property names are compared as bytes, so a bad byte elsewhere does not hide the key.
        var reader = new Utf8JsonReader(bytes);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceLogs"u8) || reader.ValueTextEquals("resource_logs"u8))
                {
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Read as far as it goes: the key did not come before the damage.
        }

        return false;
    }
}
