using System.Net;
using System.Text.Json;
using Collector.Host.Http;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Ui;

/// <summary>
/// The page under the security model: with an API keys file, the page and its files load without a key and with their
/// security headers; without a key the page asks for one and shows only /telemetry/public; an admin key opens the live
/// view (kept in sessionStorage only); a wrong key gets a clear message; a query key a note on what it may see.
/// </summary>
public sealed class KeyPromptTests : IDisposable
{
    private const string AdminKey = "ui-admin-7f3c9a1e5b2d4f6a8c0e";
    private const string QueryKey = "ui-query-2b4d6f8a0c1e3a5c7e9b";
    private const string WrongKey = "ui-wrong-0000000000000000000";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Page_WithKeys_PromptsAdminKeyOpensLiveViewWrongKeyToldWhy()
    {
        var keysFile = Path.Combine(_data.Path, "keys");
        await File.WriteAllTextAsync(keysFile, $"ops admin {AdminKey}\ndashboards query {QueryKey}\n");
        using var collector = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "data"), "--api-keys-file", keysFile);
        await AssertServedWithoutKeyAsync(collector.HttpUri);
        await using var browser = await HeadlessBrowser.LaunchAsync();

        await browser.Page.GoToAsync(collector.HttpUri.ToString());
        await browser.WaitForAsync("document.body.dataset.access === 'prompt' && Number(document.body.dataset.polls) >= 1", "the key prompt");
        Assert.True(await browser.EvaluateAsync<bool>("!document.getElementById('key-prompt').hidden && document.getElementById('live-view').hidden"));
        var shownPublic = await PageFigures.ReadAsync(browser, "#public-view");
        var publicAnswers = (await browser.AnswersAsync("/telemetry/public")).Select(a => JsonDocument.Parse(a).RootElement);
        shownPublic.AssertShows(publicAnswers.Single(a => a.GetProperty("uptime_seconds").GetRawText() == shownPublic.Root["uptime"]), "public view");
        Assert.Empty(browser.Problems);
        await browser.ScreenshotAsync("key-prompt");

        await UseKeyAsync(browser, WrongKey);
        await browser.WaitForAsync("document.body.dataset.access === 'refused'", "the refusal");
        Assert.Contains("unknown API key", await browser.EvaluateAsync<string>("document.getElementById('key-message').textContent"), StringComparison.Ordinal);
        Assert.Null(await browser.EvaluateAsync<string?>("sessionStorage.getItem('collector.apiKey')"));
        await browser.ScreenshotAsync("wrong-key");

        await UseKeyAsync(browser, AdminKey);
        await browser.WaitForAsync("document.body.dataset.access === 'admin' && !document.getElementById('live-view').hidden && document.getElementById('live-view').dataset.uptime", "the live view");
        Assert.Equal(AdminKey, await browser.EvaluateAsync<string>("sessionStorage.getItem('collector.apiKey')"));
        Assert.Equal(0, await browser.EvaluateAsync<int>("localStorage.length"));
        var live = await PageFigures.ReadAsync(browser, "#live-view");
        var statusAnswers = (await browser.AnswersAsync("/telemetry/status")).Select(a => JsonDocument.Parse(a).RootElement);
        live.AssertShows(statusAnswers.Single(a => a.GetProperty("uptime_seconds").GetRawText() == live.Root["uptime"]), "live view with the admin key");
        await browser.ScreenshotAsync("admin-key");

        await browser.Page.ClickAsync("#forget-key");
        await browser.WaitForAsync("document.body.dataset.access === 'prompt'", "the prompt after forgetting the key");
        await UseKeyAsync(browser, QueryKey);
        await browser.WaitForAsync("document.body.dataset.access === 'query' && !document.getElementById('notice').hidden", "the query key's note");
        Assert.False(await browser.EvaluateAsync<bool>("document.getElementById('tab-stored').hidden"));

        // The only refusals: the wrong key's (401) and the query key's probe of /telemetry/status (403), each once
        // as a response and once as Chromium's console line about it.
        Assert.All(browser.Problems, p => Assert.Matches(@"(HTTP (401|403) /telemetry/status)|(console: Failed to load resource: the server responded with a status of (401|403))", p));
        Assert.Equal(4, browser.Problems.Count);
        await collector.StopAsync();
    }

    private static async Task UseKeyAsync(HeadlessBrowser browser, string key)
    {
        await browser.Page.TypeAsync("#key-input", key);
        await browser.Page.ClickAsync("#key-form button[type=submit]");
    }

    private static async Task AssertServedWithoutKeyAsync(Uri baseUri)
    {
        using var http = new HttpClient { BaseAddress = baseUri };
        foreach (var (path, mediaType) in new[] { ("/", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/ui.css", "text/css"), ("/ui/icon.svg", "image/svg+xml") })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(WebPageEndpoints.ContentSecurityPolicy, string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.True(response.Headers.CacheControl?.NoCache);
            var etag = response.Headers.ETag ?? throw new Xunit.Sdk.XunitException($"{path} has no ETag");

            using var again = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            again.Headers.IfNoneMatch.Add(etag);
            using var revalidated = await http.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);

            // HEAD (a load balancer's or uptime checker's probe): the same headers, no body.
            using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(path, UriKind.Relative)));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(response.Content.Headers.ContentLength, head.Content.Headers.ContentLength);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        }

        using var missing = await http.GetAsync(new Uri("/ui/missing.js", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var status = await http.GetAsync(new Uri("/telemetry/status", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
    }
}
