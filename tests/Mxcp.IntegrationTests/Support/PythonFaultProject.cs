namespace Mxcp.IntegrationTests.Support;

/// <summary>A small project of misbehaving Python tools: slow, crashing, reloading; with a short call timeout.</summary>
internal static class PythonFaultProject
{
    public static TestProject Create(double timeoutSeconds = 2)
    {
        var project = TestProject.Empty();
        project.Write("mxcp-site.yml", "mxcp: 1\nproject: faults\nprofile: dev\n");
        project.Write("config.yml", $"mxcp: 1\nprojects:\n  faults:\n    profiles:\n      dev:\n        python:\n          timeout: {timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}\n          threads: 64\n");
        project.Environment["MXCP_CONFIG"] = System.IO.Path.Combine(project.Root, "config.yml");
        project.Write("python/faults.py", """
            import asyncio, os, time
            from mxcp.runtime import on_init, on_shutdown, reload_duckdb, db

            def note(text):
                with open("events.log", "a") as f:
                    f.write(text + "\n")

            @on_init
            def started():
                db.execute("CREATE TABLE IF NOT EXISTS starts AS SELECT 0 AS n")
                db.execute("UPDATE starts SET n = n + 1")
                note("init")

            @on_shutdown
            def stopped():
                note("shutdown")

            def pid():
                return {"pid": os.getpid(), "starts": db.execute("SELECT n FROM starts")[0]["n"]}

            async def nap(seconds: float):
                await asyncio.sleep(seconds)
                return seconds

            def block(seconds: float):
                time.sleep(seconds)
                return seconds

            def fail(message: str):
                raise ValueError(message)

            def refresh():
                def payload():
                    note("payload")
                reload_duckdb(payload, "refresh from a test")
                note("queued")
                return os.getpid()
            """);
        Tool(project, "pid", "", "object");
        Tool(project, "nap", "    - {name: seconds, type: number}\n", "number");
        Tool(project, "block", "    - {name: seconds, type: number}\n", "number");
        Tool(project, "fail", "    - {name: message, type: string}\n", "string");
        Tool(project, "refresh", "", "integer");
        return project;
    }

    private static void Tool(TestProject project, string name, string parameters, string returnType) =>
        project.Write($"tools/{name}.yml",
            $"mxcp: 1\ntool:\n  name: {name}\n{(parameters.Length > 0 ? "  parameters:\n" + parameters.Replace("    -", "    -", StringComparison.Ordinal) : "")}  return:\n    type: {returnType}\n  source:\n    file: ../python/faults.py\n");
}
