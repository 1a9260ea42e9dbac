using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Mxcp.Admin.Extensions.Tests.Support;

/// <summary>
/// Debian's chromium, headless, driven through chromium-driver (installed by .ci/run; the tests are skipped where it is
/// missing). Each browser has a fresh profile in a temporary folder, removed when it is disposed, and is kept off the
/// network except for the loopback server under test.
/// </summary>
internal sealed class Browser : IDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";
    private readonly string _profile;

    private Browser(ChromeDriver driver, string profile)
    {
        Driver = driver;
        _profile = profile;
    }

    public ChromeDriver Driver { get; }

    public static Browser Start()
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(DriverPath))
        {
            Assert.Skip($"Browser tests need {ChromiumPath} and {DriverPath} (Debian's chromium and chromium-driver; .ci/run installs them)");
        }

        var profile = Directory.CreateTempSubdirectory("mxcp-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps", "--window-size=1280,1000",
            $"--user-data-dir={profile}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
        driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        return new Browser(driver, profile);
    }

    public void Open(Uri url) => Driver.Navigate().GoToUrl(url);

    /// <summary>Waits until <paramref name="condition"/> holds (at most 30 s) and returns its value.</summary>
    public T Until<T>(Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(Driver, TimeSpan.FromSeconds(30)) { Message = what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    public IWebElement Find(string css) => Until(d => d.FindElement(By.CssSelector(css)), $"an element {css}");

    public string Heading => Find("main h1").Text;

    /// <summary>
    /// The page's heading once it is <paramref name="expected"/> (at most 30 s): a click that submits a form returns
    /// before the next page has loaded. On timeout, the heading the page has then (for the assertion's message).
    /// </summary>
    public string HeadingOnceItIs(string expected)
    {
        try
        {
            return Until(d => d.FindElement(By.CssSelector("main h1")).Text is var text && text == expected ? text : null, $"the heading '{expected}'")!;
        }
        catch (WebDriverTimeoutException)
        {
            return Heading;
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
