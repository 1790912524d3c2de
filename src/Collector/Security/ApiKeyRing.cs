using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Collector.Host.Security;

/// <summary>Why a request's key was not accepted; the values are the reason tags of the failure counter.</summary>
public enum AuthFailure
{
    None,
    MissingHeader,
    MalformedHeader,
    UnknownKey,
    Forbidden,
}

/// <summary>
/// The configured keys, kept only as SHA-256 digests. A presented key is hashed and compared with every digest in
/// constant time, without stopping at a match, so neither the comparison nor the loop tells which key was close.
/// </summary>
public sealed class ApiKeyRing
{
    private const string Scheme = "Bearer ";

    private readonly (string Name, ApiKeyRole Role, byte[] Digest)[] _keys;

    public ApiKeyRing(IEnumerable<ApiKeyEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _keys = [.. entries.Select(e => (e.Name, e.Role, Digest(e.Key)))];
    }

    /// <summary>False when no key is configured: the collector then serves everyone, on loopback only.</summary>
    public bool Enabled => _keys.Length > 0;

    public int Count => _keys.Length;

    public IEnumerable<string> Names => _keys.Select(k => k.Name);

    /// <summary>Finds the key of an <c>authorization: Bearer &lt;key&gt;</c> header.</summary>
    public AuthFailure Authenticate(StringValues authorization, out string name, out ApiKeyRole role)
    {
        name = string.Empty;
        role = default;
        if (authorization.Count == 0 || string.IsNullOrEmpty(authorization[0]))
        {
            return AuthFailure.MissingHeader;
        }

        var header = authorization[0]!;
        if (authorization.Count > 1 || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return AuthFailure.MalformedHeader;
        }

        var token = header.AsSpan(Scheme.Length).Trim();
        if (token.IsEmpty || token.ContainsAny(' ', '\t'))
        {
            return AuthFailure.MalformedHeader;
        }

        var presented = Digest(token);
        var found = -1;
        for (var i = 0; i < _keys.Length; i++)
        {
            // No early exit: every key costs the same comparison whatever matched before.
            var equal = CryptographicOperations.FixedTimeEquals(presented, _keys[i].Digest);
            found = equal && found < 0 ? i : found;
        }

        if (found < 0)
        {
            return AuthFailure.UnknownKey;
        }

        (name, role, _) = _keys[found];
        return AuthFailure.None;
    }

    private static byte[] Digest(ReadOnlySpan<char> key)
    {
        // No copy of the key outlives this call.
        var length = Encoding.UTF8.GetByteCount(key);
        var bytes = length <= 512 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(key, bytes);
        try
        {
            return SHA256.HashData(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    private static byte[] Digest(string key) => Digest(key.AsSpan());
}
