using System.Text.Json;
using System.Text.Json.Nodes;
using Mxcp.Abstractions;
using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Execution;

/// <summary>The <c>mxcp.runtime</c> API as endpoint code uses it: db, config, the user and headers, mcp, hooks, plugins.</summary>
public sealed class RuntimeApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DbExecute_RunsThroughTheHostDatabaseWithTheCallContextAndTypedParameters()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/orders.py", """
            import datetime, decimal
            from mxcp.runtime import db

            def orders(customer):
                return db.execute(
                    "SELECT * FROM orders WHERE customer = $customer",
                    {"customer": customer, "since": datetime.date(2024, 1, 31), "at": datetime.datetime(2024, 1, 31, 12, 0),
                     "amount": decimal.Decimal("10.25"), "raw": b"\x01\x02", "ids": [1, 2], "limit": 5, "flag": True, "none": None})
            """);
        var executor = await project.StartAsync();
        var context = new CallContext { Transport = "stdio", User = new UserContext { Provider = "github", Username = "ann" } };

        var rows = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("orders", file, "customer"), new Dictionary<string, object?> { ["customer"] = "c-1" }, context), Ct);

        var row = Assert.Single(rows!.AsArray())!;
        Assert.Equal("SELECT * FROM orders WHERE customer = $customer", row["sql"]!.GetValue<string>());
        Assert.Equal("ann", row["user"]!.GetValue<string>());
        Assert.Equal("String:c-1", row["customer"]!.GetValue<string>());
        Assert.Equal("DateOnly:01/31/2024", row["since"]!.GetValue<string>());
        Assert.Equal("DateTime:01/31/2024 12:00:00", row["at"]!.GetValue<string>());
        Assert.Equal("Decimal:10.25", row["amount"]!.GetValue<string>());
        Assert.Equal("Byte[]:0102", row["raw"]!.GetValue<string>());
        Assert.Equal("List`1:[1,2]", row["ids"]!.GetValue<string>());
        Assert.Equal("Int64:5", row["limit"]!.GetValue<string>());
        Assert.Equal("Boolean:True", row["flag"]!.GetValue<string>());
        Assert.Null(row["none"]);
        var query = Assert.Single(project.Database.Queries);
        Assert.Same(context, query.Context);
    }

    [Fact]
    public async Task DbExecute_SqlError_IsAPythonExceptionTheFunctionCanCatch()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/safe.py", """
            from mxcp.runtime import db

            def safe():
                try:
                    db.execute("fail here")
                except Exception as e:
                    return f"{type(e).__name__}: {e}"
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("safe", file)), Ct);

        Assert.Equal("HostError: Parser Error: syntax error at or near \"fail\"", result!.GetValue<string>());
    }

    [Fact]
    public async Task Config_SecretsSettingsAndConfigDicts_AreThoseOfTheActiveProfile()
    {
        await using var project = new PythonProject();
        project.Secrets.Add(new SecretDefinition { Name = "api", Type = "custom", Parameters = JsonSerializer.SerializeToElement(new { token = "s3cr3t", url = "https://x" }) });
        project.Secrets.Add(new SecretDefinition { Name = "empty", Type = "custom", Parameters = JsonSerializer.SerializeToElement(new { }) });
        project.Site["dbt"] = new JsonObject { ["enabled"] = true };
        var file = project.Write("python/cfg.py", """
            from mxcp.runtime import config

            def cfg():
                return {
                    "api": config.get_secret("api"),
                    "empty": config.get_secret("empty"),
                    "missing": config.get_secret("missing"),
                    "project": config.get_setting("project"),
                    "dbt": config.get_setting("dbt.enabled"),
                    "default": config.get_setting("nope.deeper", "fallback"),
                    "site_profile": config.site_config["profile"],
                    "user_has_projects": "demo" in config.user_config["projects"],
                }
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("cfg", file)), Ct);

        Assert.Equal("""{"api":{"token":"s3cr3t","url":"https://x"},"empty":{},"missing":null,"project":"demo","dbt":true,"default":"fallback","site_profile":"dev","user_has_projects":true}""", result!.ToJsonString());
    }

    [Fact]
    public async Task RuntimeApi_OutsideACall_RaisesTheReferenceError()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/outside.py", """
            import threading
            from mxcp.runtime import db

            def outside():
                box = {}
                def run():
                    try:
                        db.execute("select 1")
                    except RuntimeError as e:
                        box["error"] = str(e)
                t = threading.Thread(target=run)
                t.start(); t.join()
                return box["error"]
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("outside", file)), Ct);

        Assert.Equal("No execution context available - function not called from MXCP executor", result!.GetValue<string>());
    }

    [Fact]
    public async Task UserContextAndHeaders_ComeWithTheCall()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/who.py", """
            from mxcp.sdk.auth.context import get_user_context
            from mxcp.sdk.executor import get_execution_context

            def whoami():
                user = get_user_context()
                ctx = get_execution_context()
                return {
                    "username": user.username, "email": user.email, "provider": user.provider,
                    "role": user.raw_profile["role"], "token": user.external_token, "capabilities": user.capabilities,
                    "header": ctx.get("request_headers").get("X-Tenant"), "transport": ctx.get("transport"), "session": ctx.get("session_id"),
                }

            def anonymous():
                return get_user_context() is None
            """);
        var executor = await project.StartAsync();
        var context = new CallContext
        {
            Transport = "streamable-http",
            SessionId = "s-1",
            RequestHeaders = new Dictionary<string, string> { ["X-Tenant"] = "acme" },
            User = new UserContext
            {
                Provider = "oidc", Username = "ann", Email = "ann@example.com", ExternalToken = "upstream-token",
                RawProfile = JsonSerializer.SerializeToElement(new { role = "admin" }), Capabilities = ["reports.read"],
            },
        };

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("whoami", file), null, context), Ct);
        var anonymous = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("anonymous", file)), Ct);

        Assert.Equal("""{"username":"ann","email":"ann@example.com","provider":"oidc","role":"admin","token":"upstream-token","capabilities":["reports.read"],"header":"acme","transport":"streamable-http","session":"s-1"}""", result!.ToJsonString());
        Assert.True(anonymous!.GetValue<bool>());
    }

    [Fact]
    public async Task RequestHeaders_NoneWhenTheCallHasNoHeaders()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/headers.py", """
            from mxcp.sdk.executor import get_execution_context

            def headers():
                return {"headers": get_execution_context().get("request_headers")}
            """);
        var executor = await project.StartAsync();
        var tool = PythonProject.Tool("headers", file);
        var without = await executor.ExecuteAsync(PythonProject.Call(tool, null, new CallContext { Transport = "stdio" }), Ct);
        var with = await executor.ExecuteAsync(
            PythonProject.Call(tool, null, new CallContext { Transport = "streamable-http", RequestHeaders = new Dictionary<string, string> { ["Host"] = "x" } }), Ct);

        Assert.Equal("""{"headers":null}""", without!.ToJsonString());
        Assert.Equal("""{"headers":{"Host":"x"}}""", with!.ToJsonString());
    }

    [Fact]
    public async Task McpLogAndProgress_AreForwardedToTheCallsClient()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/progress.py", """
            from mxcp.runtime import mcp

            async def steps():
                await mcp.info("starting", step=0)
                for i in range(3):
                    await mcp.progress(i + 1, 3, f"step {i + 1}")
                await mcp.warning("almost done")
                await mcp.debug("details")
                await mcp.error("not really an error")
                return "done"
            """);
        var executor = await project.StartAsync();
        var notifier = new RecordingNotifier();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("steps", file), null, new CallContext { Transport = "stdio", Notifier = notifier }), Ct);

        Assert.Equal("done", result!.GetValue<string>());
        Assert.Equal(
            ["log info: starting {\"step\":0}", "progress 1/3 step 1", "progress 2/3 step 2", "progress 3/3 step 3", "log warning: almost done", "log debug: details", "log error: not really an error"],
            notifier.Events.ToArray());
    }

    [Fact]
    public async Task Hooks_InitRunsAtStartWithTheDatabaseAndShutdownRunsAtStop()
    {
        await using var project = new PythonProject();
        var marker = Path.Combine(project.Root, "events.txt");
        var file = project.Write("python/hooks.py", $$"""
            from mxcp.runtime import on_init, on_shutdown, db

            EVENTS = []

            @on_init
            def setup():
                EVENTS.append("init")
                db.execute("CREATE TABLE IF NOT EXISTS seen (x INT)")

            @on_init
            async def setup_async():
                EVENTS.append("async init")

            @on_init
            def broken():
                raise RuntimeError("hook failure is reported, not fatal")

            @on_shutdown
            def teardown():
                db.execute("SELECT 'shutdown'")
                with open({{JsonSerializer.Serialize(marker)}}, "a") as f:
                    f.write("shutdown\n")

            def events():
                return EVENTS
            """);
        var executor = await project.StartAsync();

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("events", file)), Ct);
        await executor.DisposeAsync();

        Assert.Equal("""["init","async init"]""", result!.ToJsonString());
        Assert.Equal(["CREATE TABLE IF NOT EXISTS seen (x INT)", "SELECT 'shutdown'"], project.Database.Queries.Select(q => q.Sql));
        Assert.All(project.Database.Queries, q => Assert.Null(q.Context));
        Assert.Equal("shutdown\n", File.ReadAllText(marker));
        Assert.Contains(project.Logs.Messages, m => m.Message.Contains("hooks.broken failed: hook failure is reported, not fatal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plugins_SitePluginsAreCreatedWithTheirConfigAndReachable()
    {
        await using var project = new PythonProject();
        project.Site["plugin"] = new JsonArray(new JsonObject { ["name"] = "crypto", ["module"] = "rot13", ["config"] = "crypto_cfg" });
        project.Write("plugins/rot13.py", """
            import codecs
            from mxcp.plugins import MXCPBasePlugin, udf

            class MXCPPlugin(MXCPBasePlugin):
                @udf
                def rot(self, text: str) -> str:
                    return self.config.get("prefix", "") + codecs.encode(text, "rot13")
            """);
        var file = project.Write("python/use.py", """
            from mxcp.runtime import plugins

            def use(text):
                plugin = plugins.get("crypto")
                return {"names": plugins.list(), "udfs": [(u["name"], u["args"], u["return_type"]) for u in plugin.udfs()], "value": plugin.rot(text), "missing": plugins.get("nope")}
            """);
        var context = project.Context();
        var user = JsonNode.Parse(context.UserConfig.GetRawText())!;
        user["projects"]!["demo"]!["profiles"]!["dev"]!["plugin"] = new JsonObject { ["config"] = new JsonObject { ["crypto_cfg"] = new JsonObject { ["prefix"] = ">" } } };
        var executor = await new PythonExecutorProvider().CreateAsync(new ProjectRuntimeContext
        {
            ProjectRoot = context.ProjectRoot, ProjectName = context.ProjectName, Profile = context.Profile, SiteConfig = context.SiteConfig,
            UserConfig = JsonSerializer.SerializeToElement(user), SqlDatabase = context.SqlDatabase, Services = context.Services,
        }, Ct);
        await using var _ = executor;

        var result = await executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("use", file, "text"), new Dictionary<string, object?> { ["text"] = "abc" }), Ct);

        Assert.Equal("""["crypto"]""", result!["names"]!.ToJsonString());
        Assert.Equal("""[["rot",["VARCHAR"],"VARCHAR"]]""", result["udfs"]!.ToJsonString());
        Assert.Equal(">nop", result["value"]!.GetValue<string>());
        Assert.Null(result["missing"]);
    }
}
