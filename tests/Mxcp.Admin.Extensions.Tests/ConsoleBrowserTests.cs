using System.Text.Json;
using ModelContextProtocol;
using Mxcp.Admin.Extensions.Tests.Support;
using OpenQA.Selenium;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>
/// The operator console in a real browser (Debian's chromium), against a served project on the MapMxcpAdmin mount with
/// a token: what a person sees and does.
/// </summary>
public sealed class ConsoleBrowserTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Opens the console, which sends a browser without a sign-in to the login page, and signs in with the token.</summary>
    private static void SignIn(Browser browser, AdminTestHost host, string page = "/admin/ui/")
    {
        browser.Open(new Uri(host.BaseUri, page));
        browser.Until(d => d.Url.Contains("/admin/ui/login", StringComparison.Ordinal), "the login page");
        Assert.Equal("Sign in", browser.HeadingOnceItIs("Sign in"));
        var token = browser.Find("#token");
        Assert.Equal("Admin token", browser.Find("label[for=token]").Text);
        token.SendKeys("wrong");
        token.Submit();
        Assert.Equal("That is not the admin token.", browser.Find("p[role=alert]").Text);
        browser.Find("#token").SendKeys(AdminTestHost.Token + Keys.Enter);
        browser.Until(d => !d.Url.Contains("/login", StringComparison.Ordinal), "the console after signing in");
    }

    [Fact]
    public async Task Endpoints_ListDisableAndEnable_CallsAreRefusedWhileDisabled()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        await using var client = await host.ConnectAsync();
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Ct);

        SignIn(browser, host, "/admin/ui/endpoints");
        Assert.Equal("Endpoints", browser.HeadingOnceItIs("Endpoints"));
        var rows = browser.Driver.FindElements(By.CssSelector("table.endpoints tbody tr")).Select(r => r.GetAttribute("data-endpoint")).ToList();
        Assert.Contains("tool/echo", rows);
        Assert.Contains("prompt/hello", rows);
        Assert.Contains("resource/ops://info", rows);
        Assert.Contains("tools/broken.yml", rows);
        var echo = browser.Find("tr[data-endpoint='tool/echo']");
        Assert.Equal("1", echo.FindElements(By.CssSelector("td.num"))[0].Text);

        echo.FindElement(By.CssSelector("button")).Click();
        Assert.StartsWith("tool/echo disabled", browser.Find("p.notice").Text);
        Assert.Equal("disabled", browser.Find("tr[data-endpoint='tool/echo'] td .badge").Text);
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" }, cancellationToken: Ct).AsTask());

        // The detail page: its latency chart and state history, then enable it there.
        browser.Find("tr[data-endpoint='tool/echo'] th a").Click();
        Assert.Equal("Endpoint echo", browser.HeadingOnceItIs("Endpoint echo"));
        Assert.Contains("Latency of the last 1 call(s) of echo", browser.Find("figure.chart figcaption").Text);
        Assert.Contains("disabled by an operator", browser.Find("#health ~ table, section + table").Text);
        browser.Find("button[aria-label='Enable echo']").Click();
        Assert.StartsWith("tool/echo enabled", browser.Find("p.notice").Text);
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "back" }, cancellationToken: Ct);
        Assert.NotEqual(true, result.IsError);
    }

    [Fact]
    public async Task Sessions_OpenOneAndEndIt()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        await using var client = await host.ConnectAsync();
        SignIn(browser, host, "/admin/ui/sessions");

        var link = browser.Find($"a[href$='{client.SessionId}']");
        link.Click();
        Assert.Equal($"Session {client.SessionId}", browser.HeadingOnceItIs($"Session {client.SessionId}"));
        Assert.Contains("admin-tests 2.0", browser.Find("dl.facts").Text);
        browser.Find("button.danger").Click();
        Assert.Equal($"Session {client.SessionId} ended.", browser.Find("p.notice").Text);
        Assert.Equal("No live MCP sessions.", browser.Find("[data-live] p").Text);

        using var http = host.HttpClient();
        Assert.Empty(JsonDocument.Parse(await http.GetStringAsync("/admin/sessions", Ct)).RootElement.GetProperty("sessions").EnumerateArray());
    }

    [Fact]
    public async Task AuditLog_FilterAndOpenARecord()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        await using (var client = await host.ConnectAsync())
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "a" }, cancellationToken: Ct);
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "b" }, cancellationToken: Ct);
            await client.CallToolAsync("guarded", cancellationToken: Ct);
        }

        using var http = host.HttpClient();
        for (var i = 0; i < 100 && JsonDocument.Parse(await http.GetStringAsync("/admin/audit/query", Ct)).RootElement.GetProperty("count").GetInt32() < 3; i++)
        {
            await Task.Delay(100, Ct);
        }

        SignIn(browser, host, "/admin/ui/audit");
        Assert.Equal(3, browser.Driver.FindElements(By.CssSelector("table.audit tbody tr")).Count);
        browser.Find("#f-operation_name").SendKeys("echo");
        browser.Find("form.filters button[type=submit]").Click();
        browser.Until(d => d.Url.Contains("operation_name=echo", StringComparison.Ordinal), "the filtered audit page");
        var names = browser.Driver.FindElements(By.CssSelector("table.audit tbody th")).Select(e => e.Text).ToList();
        Assert.Equal(["echo", "echo"], names);
        Assert.Contains("operation_name=echo", browser.Find("p.exports a").GetAttribute("href"));

        browser.Find("#f-policy_decision").SendKeys("deny");
        browser.Find("#f-operation_name").Clear();
        browser.Find("form.filters button[type=submit]").Click();
        browser.Until(d => d.Url.Contains("policy_decision=deny", StringComparison.Ordinal), "the deny filter");
        browser.Find("table.audit tbody a").Click();
        Assert.Equal("Audit record", browser.HeadingOnceItIs("Audit record"));
        Assert.Contains("No anonymous calls", browser.Find("dl.facts").Text);
        Assert.Contains("\"operation_name\": \"guarded\"", browser.Find("pre code").Text);
    }

    [Fact]
    public async Task LiveEvents_ACallAppearsAsItHappens()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        SignIn(browser, host, "/admin/ui/events");
        browser.Until(d => d.FindElement(By.Id("events-state")).Text.StartsWith("Connected", StringComparison.Ordinal), "the event stream to connect");

        await using var client = await host.ConnectAsync();
        await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "live" }, cancellationToken: Ct);
        var completed = browser.Find("li[data-event='activity.tool_call.completed']");
        Assert.Contains("\"name\":\"echo\"", completed.Text);
        Assert.NotEmpty(browser.Driver.FindElements(By.CssSelector("li[data-event='session.opened']")));
    }

    [Fact]
    public async Task Overview_ShowsStatusAndReloadsFromItsForm()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        SignIn(browser, host);
        Assert.Equal("Overview", browser.HeadingOnceItIs("Overview"));
        Assert.Contains("ops", browser.Find("header .project").Text);
        Assert.Equal("page", browser.Find("nav a[aria-current]").GetAttribute("aria-current"));
        browser.Find("#reload ~ form button, section[aria-labelledby=reload] form button").Click();
        Assert.StartsWith("Reload requested", browser.Find("p.notice").Text);
        browser.Until(d => d.FindElement(By.CssSelector("section[aria-labelledby=reload]")).Text.Contains("success", StringComparison.Ordinal), "the reload to succeed");

        // Keyboard: the skip link is the first stop and leads to the content.
        browser.Driver.FindElement(By.TagName("body")).SendKeys(Keys.Tab);
        Assert.Equal("Skip to content", browser.Driver.SwitchTo().ActiveElement().Text);
    }
    [Fact]
    public async Task ConfigurationAndDiagnostics_NameSecretsButNeverShowTheirValuesOrTheToken()
    {
        using var browser = Browser.Start();
        await using var host = await AdminTestHost.StartAsync();
        SignIn(browser, host, "/admin/ui/config");
        Assert.Equal("Configuration", browser.HeadingOnceItIs("Configuration"));
        Assert.Contains("ops", browser.Find("section[aria-labelledby=sanitized]").Text);
        AssertNoSecrets(browser);

        // The cookie the sign-in left holds a signature, not the token.
        var cookie = browser.Driver.Manage().Cookies.GetCookieNamed("mxcp_console");
        Assert.NotNull(cookie);
        Assert.DoesNotContain(AdminTestHost.Token, cookie.Value);
        Assert.True(cookie.IsHttpOnly);

        // The dry run of the served folder lists the broken file with its error.
        browser.Find("#v-path").SendKeys(host.Root);
        browser.Find("section[aria-labelledby=validate] button[type=submit]").Click();
        Assert.Equal("Validation", browser.HeadingOnceItIs("Validation"));
        Assert.EndsWith("error(s).", browser.Find("main p[role=status]").Text);
        var broken = browser.Driver.FindElements(By.CssSelector("main tbody tr")).Single(r => r.FindElement(By.CssSelector("th")).Text.EndsWith("broken.yml", StringComparison.Ordinal));
        Assert.Contains("error", broken.Text);
        AssertNoSecrets(browser);

        browser.Open(new Uri(host.BaseUri, "/admin/ui/diagnostics"));
        Assert.Equal("Diagnostics", browser.HeadingOnceItIs("Diagnostics"));
        var secrets = browser.Driver.FindElements(By.CssSelector("main tbody tr")).Single(r => r.FindElement(By.CssSelector("th")).Text == "secrets");
        Assert.Contains("warehouse", secrets.Text);
        AssertNoSecrets(browser);
    }

    private static void AssertNoSecrets(Browser browser)
    {
        Assert.DoesNotContain(AdminTestHost.SecretValue, browser.Driver.PageSource);
        Assert.DoesNotContain(AdminTestHost.Token, browser.Driver.PageSource);
    }
}
