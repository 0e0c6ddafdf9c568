using Microsoft.Playwright;

namespace Parley.Web.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for a test class: Debian's (<c>/usr/bin/chromium</c>, which .ci/run
/// installs), driven by Playwright; Playwright's own browser download is never used. Each
/// browser user is a context of its own (its own storage, like another device).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium; PARLEY_CHROMIUM overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("PARLEY_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>
    /// Where the tests leave their screenshots (docs/web.md says how they reach docs/images/):
    /// PARLEY_SCREENSHOTS, or parley-web-screenshots in the temp directory.
    /// </summary>
    public static string ScreenshotDir { get; } =
        Environment.GetEnvironmentVariable("PARLEY_SCREENSHOTS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Path.GetTempPath(), "parley-web-screenshots");

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {ChromiumPath} (apt-get install chromium; .ci/run installs it), or PARLEY_CHROMIUM set to one.");
        }
        // Assertions wait for the page to catch up, up to this long.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in CI: Chromium's sandbox needs an unprivileged user.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            Timeout = 30_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
