using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

/// <summary>
/// The test application on a real Kestrel port, seeded with one alert per category, and a real headless Chromium
/// (Debian's <c>chromium</c> and <c>chromedriver</c> packages; <c>.ci/run</c> installs them) driven by Selenium. Every
/// wait is explicit (<see cref="WaitFor"/>): no sleeps.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriverDirectory = "/usr/bin";

    private readonly WebApplication _app;
    private readonly ChromeDriver _driver;

    private BrowserSession(WebApplication app, ChromeDriver driver, string baseUrl)
    {
        _app = app;
        _driver = driver;
        BaseUrl = baseUrl;
    }

    public IServiceProvider Services => _app.Services;

    public IWebDriver Driver => _driver;

    public string BaseUrl { get; }

    public static async Task<BrowserSession> StartAsync()
    {
        if (!File.Exists(Chromium) || !File.Exists(Path.Combine(ChromeDriverDirectory, "chromedriver")))
        {
            throw new InvalidOperationException("The browser tests need Debian's chromium and chromium-driver packages: apt-get install -y chromium chromium-driver");
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        TestApp.ConfigureServices(builder.Services, new FakeTimeProvider(TestApp.Now), TestApp.PoliciesJson());
        var app = builder.Build();
        TestApp.Configure(app, null);
        await app.StartAsync();
        await TestApp.SeedAsync(app.Services, TestApp.OneAlertPerCategory());
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var service = ChromeDriverService.CreateDefaultService(ChromeDriverDirectory, "chromedriver");
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100", "--lang=en-US");
        ChromeDriver driver;
        try
        {
            driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new BrowserSession(app, driver, address);
    }

    /// <summary>Signs the browser in as a user with role groups (the test authentication's cookie).</summary>
    public void SignIn(string user, params string[] roles)
    {
        _driver.Navigate().GoToUrl(BaseUrl + "/test-signin?user=" + Uri.EscapeDataString(user) + "&roles=" + Uri.EscapeDataString(string.Join(",", roles)));
        WaitUntil(d => d.FindElement(By.TagName("body")).Text == "signed in " + user, "the test sign-in");
    }

    public void Open(string dashboardPath) => _driver.Navigate().GoToUrl(BaseUrl + TestApp.DashboardPrefix + dashboardPath);

    /// <summary>Waits (up to 30 s) until the condition holds, then returns its value.</summary>
    public T WaitFor<T>(Func<IWebDriver, T?> condition, string what)
    {
        var wait = new WebDriverWait(_driver, TimeSpan.FromSeconds(30)) { Message = "waited for " + what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition)!;
    }

    /// <summary>Waits (up to 30 s) until the condition is true.</summary>
    public void WaitUntil(Func<IWebDriver, bool> condition, string what)
    {
        var wait = new WebDriverWait(_driver, TimeSpan.FromSeconds(30)) { Message = "waited for " + what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        wait.Until(condition);
    }

    public IWebElement Element(string css) => WaitFor(d => d.FindElement(By.CssSelector(css)), css);

    public string TextOf(string css) => Element(css).Text;

    /// <summary>Chooses an option of a select element by its value.</summary>
    public void Select(string selectCss, string value)
    {
        Element(selectCss).FindElement(By.CssSelector("option[value='" + value + "']")).Click();
        WaitUntil(d => d.FindElement(By.CssSelector(selectCss)).GetAttribute("value") == value, selectCss + " = " + value);
    }

    public async ValueTask DisposeAsync()
    {
        _driver.Quit();
        _driver.Dispose();
        await _app.DisposeAsync();
    }
}
