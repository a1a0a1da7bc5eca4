using PuppeteerSharp;

namespace EhrChain.Tests.Web;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>, or <c>EHRCHAIN_CHROMIUM</c>) driven over the
/// DevTools protocol, one page at a time, collecting every console error and uncaught exception
/// so a test can assert there were none, and saving screenshots as test attachments.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly IBrowser _browser;
    private readonly List<string> _consoleErrors = [];
    private readonly string _screenshots;
    private int _shots;

    private BrowserSession(IBrowser browser, IPage page, string screenshots)
    {
        _browser = browser;
        Page = page;
        _screenshots = screenshots;
        page.DefaultTimeout = (int)Timeout.TotalMilliseconds;
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add($"console: {e.Message.Text} ({e.Message.Location?.URL})");
                }
            }
        };
        page.PageError += (_, e) =>
        {
            lock (_consoleErrors)
            {
                _consoleErrors.Add($"page error: {e.Message}");
            }
        };
    }

    public IPage Page { get; }

    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_consoleErrors)
            {
                return [.. _consoleErrors];
            }
        }
    }

    /// <summary>Fails (never skips) when Chromium is missing: the page is part of the product and must be tested.</summary>
    public static async Task<BrowserSession> LaunchAsync(string testName)
    {
        var executable = Environment.GetEnvironmentVariable("EHRCHAIN_CHROMIUM") is { Length: > 0 } chosen ? chosen : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            Assert.Fail($"Chromium is not installed at {executable}: `apt-get install -y chromium` (.ci/run installs it), or set EHRCHAIN_CHROMIUM.");
        }
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Root in a container has no user namespace for Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
            Timeout = (int)Timeout.TotalMilliseconds,
        });
        var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 900 });
        var screenshots = Path.Combine(TestContext.CurrentContext.WorkDirectory, "web-screenshots", testName);
        if (Directory.Exists(screenshots))
        {
            Directory.Delete(screenshots, recursive: true);
        }
        Directory.CreateDirectory(screenshots);
        return new BrowserSession(browser, page, screenshots);
    }

    /// <summary>A full-page screenshot, attached to the test's results (kept as a CI artefact).</summary>
    public async Task ScreenshotAsync(string name)
    {
        var path = Path.Combine(_screenshots, $"{++_shots:00}-{name}.png");
        await Page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    /// <summary>Runs the steps of a test; when one fails, the page as it was is attached too, with the browser's console errors.</summary>
    public async Task ScreenshotOnFailureAsync(Func<Task> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        try
        {
            await steps();
        }
        catch
        {
            await ScreenshotAsync("failure");
            await TestContext.Out.WriteLineAsync(string.Join(Environment.NewLine, ConsoleErrors.Prepend("console errors:")));
            throw;
        }
    }

    /// <summary>Waits until the notice says <paramref name="expected"/>; fails at once with the page's error when it shows one instead.</summary>
    public async Task ExpectNoticeAsync(string expected)
    {
        var shown = await WaitForMessageAsync();
        Assert.That(shown, Does.StartWith("notice: ").And.Contain(expected), "the page showed an error instead of the notice");
    }

    /// <summary>Waits until the page shows an error, and returns it.</summary>
    public async Task<string> ExpectErrorAsync()
    {
        var shown = await WaitForMessageAsync();
        Assert.That(shown, Does.StartWith("error: "), "the page showed a notice, not an error");
        return shown["error: ".Length..];
    }

    public async Task WaitForTextAsync(string selector, string text) =>
        await Page.WaitForFunctionAsync(
            "(selector, text) => [...document.querySelectorAll(selector)].some(e => e.textContent.includes(text))",
            new WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 }, selector, text);

    public async Task<string> TextAsync(string selector) =>
        await Page.EvaluateFunctionAsync<string>("selector => document.querySelector(selector)?.textContent ?? ''", selector);

    /// <summary>Clicks; a live update may redraw the element between finding and clicking it, so a detached one is found again.</summary>
    public async Task ClickAsync(string selector)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Page.WaitForSelectorAsync(selector);
                await Page.ClickAsync(selector);
                return;
            }
            catch (PuppeteerException e) when (attempt < 5 && e.Message.Contains("detached", StringComparison.Ordinal))
            {
                await Task.Delay(100);
            }
        }
    }

    public async Task TypeAsync(string selector, string text)
    {
        await Page.WaitForSelectorAsync(selector);
        await Page.EvaluateFunctionAsync("selector => { document.querySelector(selector).value = ''; }", selector);
        await Page.TypeAsync(selector, text);
    }

    /// <summary>Signs in with a key file the way a user does: choosing the file in the file input (the page reads it; nothing is uploaded).</summary>
    public async Task SignInAsync(Uri page, string keyFile, string? passphrase = null)
    {
        await Page.GoToAsync(page.ToString(), WaitUntilNavigation.Load);
        await Page.WaitForSelectorAsync("#keyfile");
        var input = await Page.QuerySelectorAsync("#keyfile");
        await input.UploadFileAsync(keyFile);
        if (passphrase is not null)
        {
            await TypeAsync("#passphrase", passphrase);
        }
        await ClickAsync("#signin-button");
        await Page.WaitForFunctionAsync(
            "() => document.querySelector('#signed-in-as') || !document.querySelector('#error').hidden",
            new WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 });
        var error = await Page.EvaluateExpressionAsync<string>("document.querySelector('#error').hidden ? '' : document.querySelector('#error').textContent");
        Assert.That(error, Is.Empty, "signing in failed in the page");
    }

    public async Task SignOutAsync()
    {
        await ClickAsync("#signout");
        await Page.WaitForSelectorAsync("#keyfile");
    }

    private async Task<string> WaitForMessageAsync()
    {
        await Page.WaitForFunctionAsync(
            "() => !document.querySelector('#notice').hidden || !document.querySelector('#error').hidden",
            new WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 });
        return await Page.EvaluateExpressionAsync<string>(
            "document.querySelector('#error').hidden ? 'notice: ' + document.querySelector('#notice').textContent : 'error: ' + document.querySelector('#error').textContent");
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
    }
}
