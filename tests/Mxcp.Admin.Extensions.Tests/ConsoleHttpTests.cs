using System.Net;
using System.Text.Json;
using Mxcp.Admin.Extensions.Tests.Support;

namespace Mxcp.Admin.Extensions.Tests;

/// <summary>
/// The operator console over plain HTTP, as a browser without JavaScript or a script sees it: the socket mount (no
/// sign-in), the token mount (sign-in, cookie, origin check), the security headers and the embedded assets.
/// </summary>
public sealed class ConsoleHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Socket_OverviewIsServerRenderedWithEveryFactAndNothingExternal()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var socket = host.SocketClient();
        using var response = await socket.GetAsync("/ui/", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var html = await response.Content.ReadAsStringAsync(Ct);
        foreach (var fact in (string[])["<h1>Overview</h1>", "<dt>Uptime</dt>", "<dt>Profile</dt>", "<dt>Last result</dt>", "<dt>CPU</dt>", "<dt>Memory</dt>", "<strong>ops</strong>"])
        {
            Assert.Contains(fact, html);
        }

        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.DoesNotContain(AdminTestHost.SecretValue, html);

        foreach (var (asset, type) in ((string, string)[])[("console.css", "text/css"), ("console.js", "text/javascript")])
        {
            using var served = await socket.GetAsync($"/ui/assets/{asset}", Ct);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(type, served.Content.Headers.ContentType!.MediaType);
            var text = await served.Content.ReadAsStringAsync(Ct);
            Assert.NotEmpty(text);
            Assert.DoesNotContain("http://", text);
            Assert.DoesNotContain("https://", text);
        }

        using var missing = await socket.GetAsync("/ui/assets/nope.js", Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task TokenMount_SignInGivesACookieForTheConsoleOnly_ForeignOriginsCannotAct()
    {
        await using var host = await AdminTestHost.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.BaseUri };

        using (var anonymous = await http.GetAsync("/admin/ui/endpoints", Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.Equal("/admin/ui/login?next=%2Fadmin%2Fui%2Fendpoints", anonymous.Headers.Location!.OriginalString);
        }

        using (var wrong = await http.SendAsync(Login("nope"), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("That is not the admin token.", await wrong.Content.ReadAsStringAsync(Ct));
        }

        using (var foreign = await http.SendAsync(Login(AdminTestHost.Token, "http://evil.example"), Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            Assert.False(foreign.Headers.Contains("Set-Cookie"));
        }

        string cookie;
        using (var signedIn = await http.SendAsync(Login(AdminTestHost.Token), Ct))
        {
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
            Assert.Equal("/admin/ui/endpoints", signedIn.Headers.Location!.OriginalString);
            var setCookie = signedIn.Headers.GetValues("Set-Cookie").Single();
            Assert.StartsWith("mxcp_console=", setCookie);
            Assert.Contains("path=/admin/ui", setCookie);
            Assert.Contains("samesite=strict", setCookie);
            Assert.Contains("httponly", setCookie);
            Assert.DoesNotContain(AdminTestHost.Token, setCookie);
            cookie = setCookie.Split(';')[0];
        }

        using (var page = new HttpRequestMessage(HttpMethod.Get, "/admin/ui/endpoints"))
        {
            page.Headers.Add("Cookie", cookie);
            using var response = await http.SendAsync(page, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("data-endpoint=\"tool/echo\"", await response.Content.ReadAsStringAsync(Ct));
        }

        // The cookie opens the console, not the JSON API.
        using (var api = new HttpRequestMessage(HttpMethod.Get, "/admin/status"))
        {
            api.Headers.Add("Cookie", cookie);
            using var response = await http.SendAsync(api, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // A form posted from another site changes nothing, even with a valid sign-in.
        using (var disable = new HttpRequestMessage(HttpMethod.Post, "/admin/ui/endpoints/tool/echo") { Content = new FormUrlEncodedContent([new("action", "disable")]) })
        {
            disable.Headers.Add("Cookie", cookie);
            disable.Headers.Add("Origin", "http://evil.example");
            using var response = await http.SendAsync(disable, Ct);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var admin = host.HttpClient();
        var echo = JsonDocument.Parse(await admin.GetStringAsync("/admin/endpoints/tool/echo", Ct)).RootElement;
        Assert.True(echo.GetProperty("enabled").GetBoolean());

        HttpRequestMessage Login(string token, string? origin = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/admin/ui/login")
            {
                Content = new FormUrlEncodedContent([new("token", token), new("next", "/admin/ui/endpoints")]),
            };
            request.Headers.Add("Origin", origin ?? host.BaseUri.GetLeftPart(UriPartial.Authority));
            return request;
        }
    }
}
