using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace BrokerGateway.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium, headless, driven through Selenium with Debian's ChromeDriver (nothing is
/// downloaded). The browser's console is recorded, so a test can say that a page logged no error.
/// Without the two programs the test is skipped, unless <c>BROKERGATEWAY_TESTS_REQUIRE_BROWSER</c> is
/// set (test.sh sets it and installs them), in which case it fails.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string RequireVariable = "BROKERGATEWAY_TESTS_REQUIRE_BROWSER";
    private const string Browser = "/usr/bin/chromium";
    private const string Driver = "/usr/bin/chromedriver";

    private readonly DirectoryInfo _profile;

    private HeadlessChromium(ChromeDriver driver, DirectoryInfo profile)
    {
        WebDriver = driver;
        _profile = profile;
    }

    public ChromeDriver WebDriver { get; }

    public static HeadlessChromium Start()
    {
        if (!File.Exists(Browser) || !File.Exists(Driver))
        {
            var missing = $"{Browser} and {Driver} are needed (apt-get install chromium chromium-driver)";
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            {
                throw new InvalidOperationException(missing);
            }

            Skip.If(true, missing + "; run ./test.sh, which installs them");
        }

        var profile = Directory.CreateTempSubdirectory("bg-chromium-");
        var options = new ChromeOptions { BinaryLocation = Browser };

        // The flags a closed machine needs: no sandbox as root, no GPU, and none of the browser's
        // own connections to Google's services, which this machine's network refuses.
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1800",
            $"--user-data-dir={profile.FullName}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        return new HeadlessChromium(driver, profile);
    }

    /// <summary>Waits for <paramref name="condition"/> to hold, polling the page (up to 20 s unless said).</summary>
    public T Until<T>(Func<IWebDriver, T> condition, string what, TimeSpan? timeout = null)
    {
        var wait = new WebDriverWait(WebDriver, timeout ?? TimeSpan.FromSeconds(20)) { Message = what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    /// <summary>What the page wrote to the browser's console since last asked, at or above <paramref name="level"/>.</summary>
    public IReadOnlyList<string> ConsoleEntries(LogLevel level = LogLevel.Warning) =>
        [.. WebDriver.Manage().Logs.GetLog(LogType.Browser).Where(e => e.Level >= level).Select(e => $"{e.Level}: {e.Message}")];

    public void Dispose()
    {
        WebDriver.Quit();
        WebDriver.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The browser may still hold a file for a moment; the temp folder is the system's to clean.
        }
    }
}
