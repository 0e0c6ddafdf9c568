using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Parley.Web.Tests.Infrastructure;

/// <summary>
/// One browser user: a context (a device) with the web client open. The helpers act as a person
/// does (type, press Enter, click) and the assertions wait for the page, never for a fixed time.
/// </summary>
public sealed class WebUser : IAsyncDisposable
{
    public static readonly ViewportSize Desktop = new() { Width = 1100, Height = 700 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 760 };

    private readonly IBrowserContext _context;

    private WebUser(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<WebUser> OpenAsync(BrowserFixture browser, ServerProcess server, ViewportSize? viewport = null)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = viewport ?? Desktop,
            ColorScheme = ColorScheme.Light,
            Locale = "en-GB",
            TimezoneId = "UTC",
            // No sliding side list half-way through a screenshot.
            ReducedMotion = ReducedMotion.Reduce,
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(server.WebUrl);
        return new WebUser(context, page);
    }

    /// <summary>Logs in to an existing account (SASL PLAIN over the WebSocket).</summary>
    public async Task LogInAsync(string account)
    {
        await Page.GetByLabel("Account", new() { Exact = true }).FillAsync(account);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(ServerProcess.PasswordOf(account));
        await Page.Locator("form button[type=submit]").ClickAsync();
        await Expect(Page.Locator(".sidebar .me .nick")).ToBeVisibleAsync();
    }

    /// <summary>Makes an account from the login page (draft/account-registration).</summary>
    public async Task RegisterAsync(string account)
    {
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Create account" }).ClickAsync();
        await Page.GetByLabel("Account", new() { Exact = true }).FillAsync(account);
        await Page.GetByLabel("Password", new() { Exact = true }).FillAsync(ServerProcess.PasswordOf(account));
        await Page.Locator("form button[type=submit]").ClickAsync();
        await Expect(Page.Locator(".sidebar .me .nick")).ToBeVisibleAsync();
    }

    public ILocator Composer => Page.GetByLabel("Message", new() { Exact = true });

    public ILocator Title => Page.Locator(".header h1");

    /// <summary>The lines of the open conversation.</summary>
    public ILocator Lines => Page.Locator(".messages .line");

    public ILocator Line(string text) => Page.Locator(".messages .line .text", new() { HasTextString = text });

    /// <summary>A conversation's entry in the side list.</summary>
    public ILocator Entry(string name) => Page.Locator($".sidebar [data-conversation=\"{name}\"]");

    public ILocator Badge(string name) => Entry(name).Locator(".badge");

    public async Task JoinAsync(string channel)
    {
        await Page.GetByLabel("Join a channel or message a nick").FillAsync(channel);
        await Page.GetByLabel("Join a channel or message a nick").PressAsync("Enter");
        await Expect(Title).ToHaveTextAsync(channel);
        await Expect(Page.Locator(".history-edge")).ToBeVisibleAsync();
    }

    public async Task OpenAsync(string name)
    {
        await Entry(name).ClickAsync();
        await Expect(Title).ToHaveTextAsync(name == "*server*" ? "Server messages" : name);
    }

    public async Task SayAsync(string text)
    {
        await Composer.FillAsync(text);
        await Composer.PressAsync("Enter");
        await Expect(Line(text).Last).ToBeVisibleAsync();
    }

    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDir);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDir, name) });
    }

    public Task SetOfflineAsync(bool offline) => _context.SetOfflineAsync(offline);

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
