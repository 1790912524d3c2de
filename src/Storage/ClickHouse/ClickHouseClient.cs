using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// A small client for ClickHouse's HTTP interface: SQL in the body (or, for inserts, in the <c>query</c> URL parameter
/// with RowBinary rows as the body), query_id and settings as URL parameters, errors as <see cref="ClickHouseException"/>.
/// Thread-safe; one instance per ClickHouse endpoint.
/// </summary>
[SuppressMessage("Design", "CA1068:CancellationToken parameters must come last", Justification = "Most calls pass only SQL and a token; query id and settings are rare, named extras.")]
public sealed class ClickHouseClient : IDisposable
{
    private const int MaxErrorChars = 4096;

    // Parameters this client sets itself, or that would change who the request runs as or the session it runs in.
    private static readonly HashSet<string> ReservedParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "query", "database", "query_id", "user", "password", "session_id", "session_timeout", "session_check",
    };

    private readonly ClickHouseOptions _options;
    private readonly HttpClient _http;
    private readonly string _baseUrl;

    public ClickHouseClient(ClickHouseOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        SqlText.Identifier(options.Database);
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"the ClickHouse timeout must be positive, not {options.Timeout}", nameof(options));
        }

        if (!string.IsNullOrEmpty(options.Url.UserInfo))
        {
            // The URL shows up in messages; refuse it rather than echo it.
            throw new ArgumentException("give ClickHouse credentials as User and Password, not in the URL", nameof(options));
        }

        _options = options;
        _baseUrl = options.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');

        // A caller's handler is the caller's to dispose (tests share one); ours goes with the client.
        _http = handler is null ? new HttpClient(CreateHandler(), disposeHandler: true) : new HttpClient(handler, disposeHandler: false);

        // Each request gets its own deadline (see SendAsync), which also covers reading the response body.
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (options.User is not null)
        {
            var credentials = Encoding.UTF8.GetBytes($"{options.User}:{options.Password}");
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials));
        }
    }

    public string Database => _options.Database;

    /// <summary>Runs a statement that returns no rows (DDL, ALTER, INSERT ... SELECT).</summary>
    /// <param name="useDatabase">False to run without the <c>database</c> parameter, e.g. the CREATE DATABASE that makes it.</param>
    /// <param name="session">The session to run in (a SET then stays with it), or none.</param>
    public Task ExecuteAsync(string sql, CancellationToken cancellationToken = default, string? queryId = null, IReadOnlyDictionary<string, string>? settings = null, bool useDatabase = true, ClickHouseSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var uri = BuildUri(insert: null, queryId, settings, useDatabase, session);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(sql, Encoding.UTF8) }, DrainAsync, cancellationToken);
    }

    /// <summary>
    /// Runs a SELECT with <c>FORMAT JSONEachRow</c> appended (so <paramref name="sql"/> must not end in a <c>--</c>
    /// comment); one element per row. 64-bit integers arrive as JSON strings.
    /// </summary>
    public Task<IReadOnlyList<JsonElement>> QueryAsync(string sql, CancellationToken cancellationToken = default, string? queryId = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var uri = BuildUri(insert: null, queryId, settings, useDatabase: true, session: null);
        var body = sql.TrimEnd().TrimEnd(';') + " FORMAT JSONEachRow";
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8) }, JsonEachRow.ReadAsync, cancellationToken);
    }

    /// <summary>
    /// Runs a SELECT as <see cref="QueryAsync"/> does, but hands each row to <paramref name="onRow"/> as it arrives
    /// (the element is valid only during the call) and returns the number of rows; the deadline covers the whole read.
    /// </summary>
    public Task<long> QueryEachRowAsync(string sql, Func<JsonElement, CancellationToken, ValueTask> onRow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(onRow);
        var uri = BuildUri(insert: null, queryId: null, settings: null, useDatabase: true, session: null);
        var body = sql.TrimEnd().TrimEnd(';') + " FORMAT JSONEachRow";
        return SendAsync(
            new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(body, Encoding.UTF8) },
            (content, token) => JsonEachRow.ReadEachAsync(content, onRow, token),
            cancellationToken);
    }

    /// <summary>Inserts rows already encoded in RowBinary, in <paramref name="columns"/> order, into the configured database.</summary>
    /// <param name="session">The session to insert in (see <see cref="InsertSessions"/>), or none.</param>
    public Task InsertRowBinaryAsync(string table, IReadOnlyList<string> columns, ReadOnlyMemory<byte> rows, CancellationToken cancellationToken = default, string? queryId = null, ClickHouseSession? session = null)
    {
        var uri = BuildUri(InsertStatement(table, columns), queryId, settings: null, useDatabase: true, session);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new RowBinaryContent(rows, _options.CompressRequests) }, DrainAsync, cancellationToken);
    }

    /// <summary>
    /// Inserts RowBinary rows that <paramref name="writeRows"/> writes into the request body while it is sent (see
    /// <see cref="RowBinaryContent"/>); the body ends when it returns.
    /// </summary>
    public Task InsertRowBinaryStreamAsync(string table, IReadOnlyList<string> columns, Func<Stream, CancellationToken, Task> writeRows, CancellationToken cancellationToken = default, ClickHouseSession? session = null)
    {
        ArgumentNullException.ThrowIfNull(writeRows);
        var uri = BuildUri(InsertStatement(table, columns), queryId: null, settings: null, useDatabase: true, session);
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, uri) { Content = new RowBinaryContent(writeRows, _options.CompressRequests) }, DrainAsync, cancellationToken);
    }

    /// <summary>True when the server answers <c>/ping</c>; false when it is unreachable, slow or unhealthy.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_baseUrl + "/ping"));
            return await SendAsync(request, (_, _) => Task.FromResult(true), cancellationToken);
        }
        catch (ClickHouseException)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();

    private string InsertStatement(string table, IReadOnlyList<string> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Count == 0)
        {
            throw new ArgumentException("an insert needs at least one column", nameof(columns));
        }

        var columnList = string.Join(", ", columns.Select(SqlText.Identifier));
        return $"INSERT INTO {Database}.{SqlText.Identifier(table)} ({columnList}) FORMAT RowBinary";
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        // Below ClickHouse's keep_alive_timeout (10 s on 18.16, 3 s on recent versions), so we never pick a pooled
        // connection the server is closing at that moment.
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2),

        // Reconnect now and then so a DNS change (a replaced ClickHouse node) is picked up.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
    };

    private static async Task<bool> DrainAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await content.CopyToAsync(Stream.Null, cancellationToken);
        return true;
    }

    private Uri BuildUri(string? insert, string? queryId, IReadOnlyDictionary<string, string>? settings, bool useDatabase, ClickHouseSession? session)
    {
        var uri = new StringBuilder(_baseUrl).Append('/');
        var separator = '?';
        void Add(string name, string value)
        {
            uri.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        if (useDatabase)
        {
            Add("database", Database);
        }

        if (insert is not null)
        {
            Add("query", insert);
        }

        if (queryId is not null)
        {
            Add("query_id", queryId);
        }

        if (session is { } inSession)
        {
            Add("session_id", inSession.Id);
            if (inSession.Timeout is { } timeout)
            {
                Add("session_timeout", ((long)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        foreach (var (name, value) in settings ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            if (!SqlText.IsIdentifier(name) || ReservedParameters.Contains(name))
            {
                throw new ArgumentException($"'{name}' cannot be passed as a ClickHouse setting", nameof(settings));
            }

            Add(name, value);
        }

        return new Uri(uri.ToString());
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, Func<HttpContent, CancellationToken, Task<T>> readBody, CancellationToken cancellationToken)
    {
        using var owned = request;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync(deadline.Token);
                var code = response.Headers.TryGetValues("X-ClickHouse-Exception-Code", out var values) ? values.FirstOrDefault() : null;
                throw ClickHouseException.FromResponse((int)response.StatusCode, code, body.Length > MaxErrorChars ? body[..MaxErrorChars] : body);
            }

            return await readBody(response.Content, deadline.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ClickHouseException(ClickHouseErrorKind.Transient, -1, $"no answer from {_baseUrl} within {_options.Timeout}", httpStatus: null, e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ClickHouseException(ClickHouseErrorKind.Transient, -1, e.Message, httpStatus: null, e);
        }
    }
}
