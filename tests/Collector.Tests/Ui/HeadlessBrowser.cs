using System.Collections.Concurrent;
using Collector.Tests.Infrastructure;
using PuppeteerSharp;

namespace Collector.Tests.Ui;

/// <summary>
/// Debian's Chromium (/usr/bin/chromium), headless, driven over CDP by PuppeteerSharp: never a downloaded browser, a
/// fresh profile per test. It records what a person would see go wrong: console errors, uncaught page errors, requests
/// that failed or were answered 4xx/5xx; and it keeps every JSON answer the page read, so a test can compare the DOM
/// with the very answer it was drawn from. Screenshots go to artifacts/ui/ in the test output directory.
/// </summary>
internal sealed class HeadlessBrowser : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";

    private readonly TempDirectory _profile = new("collector-ui-profile");
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentQueue<(string Path, Task<string> Body)> _answers = new();
    private IBrowser? _browser;

    private HeadlessBrowser()
    {
    }

    public IPage Page { get; private set; } = null!;

    /// <summary>Everything that went wrong so far: "console: ...", "page error: ...", "failed: ...", "HTTP 401 ...".</summary>
    public IReadOnlyCollection<string> Problems => _problems;

    public static async Task<HeadlessBrowser> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: run scripts/install-deps.sh --tests (Debian package chromium)");
        var browser = new HeadlessBrowser();
        browser._browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            UserDataDir = browser._profile.Path,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            Timeout = 30_000,
        });
        browser.Page = await browser._browser.NewPageAsync();
        await browser.Page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        browser.Watch(browser.Page);
        return browser;
    }

    /// <summary>Every answer the page got from <paramref name="path"/> (path and query, e.g. "/telemetry/status"), bodies read.</summary>
    public async Task<IReadOnlyList<string>> AnswersAsync(string path)
    {
        var bodies = new List<string>();
        foreach (var (answered, body) in _answers.ToArray())
        {
            if (string.Equals(answered, path, StringComparison.Ordinal))
            {
                bodies.Add(await body);
            }
        }

        return bodies;
    }

    /// <summary>Waits until the JavaScript expression is truthy; fails with the page's text after 20 s.</summary>
    public async Task WaitForAsync(string expression, string what)
    {
        try
        {
            await Page.WaitForExpressionAsync(expression, new WaitForFunctionOptions { Timeout = 20_000, PollingInterval = 50 });
        }
        catch (WaitTaskTimeoutException)
        {
            var text = await Page.EvaluateExpressionAsync<string>("document.body.innerText");
            Assert.Fail($"{what}: not seen in 20 s. Problems: {string.Join("; ", Problems)}\nPage:\n{text}");
        }
    }

    public Task<T> EvaluateAsync<T>(string expression) => Page.EvaluateExpressionAsync<T>(expression);

    /// <summary>A full-page PNG under artifacts/ui/ beside the test assembly (not in the repository).</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "artifacts", "ui");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name + ".png");
        await Page.ScreenshotAsync(file, new ScreenshotOptions { FullPage = true });
        return file;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            await _browser.DisposeAsync();
        }

        _profile.Dispose();
    }

    private void Watch(IPage page)
    {
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                _problems.Enqueue($"console: {e.Message.Text} ({e.Message.Location?.URL})");
            }
        };
        page.PageError += (_, e) => _problems.Enqueue($"page error: {e.Message}");
        page.RequestFailed += (_, e) => _problems.Enqueue($"failed: {e.Request.Method} {e.Request.Url} {e.Request.FailureText}");
        page.Response += (_, e) =>
        {
            var url = new Uri(e.Response.Url);
            if ((int)e.Response.Status >= 400)
            {
                _problems.Enqueue($"HTTP {(int)e.Response.Status} {url.PathAndQuery}");
            }
            else if (url.AbsolutePath.StartsWith("/telemetry/", StringComparison.Ordinal))
            {
                _answers.Enqueue((url.PathAndQuery, e.Response.TextAsync()));
            }
        };
    }
}
