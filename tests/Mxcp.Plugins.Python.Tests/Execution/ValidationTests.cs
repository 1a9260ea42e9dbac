using Mxcp.Plugins.Python.Tests.TestSupport;

namespace Mxcp.Plugins.Python.Tests.Execution;

/// <summary>What <c>mxcp validate</c> and start-up report about Python endpoints: file, line and what is wrong.</summary>
public sealed class ValidationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Validate_SyntaxError_NamesFileAndLine()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/broken.py", "def ok():\n    return 1\n\ndef broken(:\n    pass\n");
        var executor = await project.StartAsync();

        var errors = await executor.ValidateAsync(PythonProject.Tool("ok", file), null, Ct);

        Assert.Equal(["python/broken.py, line 4: SyntaxError: invalid syntax"], errors);
        Assert.Contains(project.Logs.Messages, m => m.Message == "Python module python/broken.py could not be imported: python/broken.py, line 4: SyntaxError: invalid syntax");
    }

    [Fact]
    public async Task Validate_ImportErrorInsideTheModule_NamesTheLineThatFailed()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/needs.py", "import json\n\nimport package_that_is_not_installed\n\ndef tool():\n    return 1\n");
        var executor = await project.StartAsync();

        var errors = await executor.ValidateAsync(PythonProject.Tool("tool", file), null, Ct);

        Assert.Equal(["python/needs.py, line 3: ModuleNotFoundError: No module named 'package_that_is_not_installed'"], errors);
    }

    [Fact]
    public async Task Validate_ErrorInAHelperModule_NamesBothPlaces()
    {
        await using var project = new PythonProject();
        project.Write("python/_helper.py", "X = 1\nY = 1 / 0\n");
        var file = project.Write("python/uses.py", "from _helper import X\n\ndef tool():\n    return X\n");
        var executor = await project.StartAsync();

        var errors = await executor.ValidateAsync(PythonProject.Tool("tool", file), null, Ct);

        Assert.Equal(["python/uses.py, line 1: ZeroDivisionError: division by zero (at python/_helper.py, line 2)"], errors);
    }

    [Fact]
    public async Task Validate_MissingFunction_SaysWhichAndWhere()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/tools.py", "def other():\n    return 1\n");
        var executor = await project.StartAsync();

        var errors = await executor.ValidateAsync(PythonProject.Tool("wanted", file), null, Ct);

        Assert.Equal(["Function 'wanted' not found in python/tools.py"], errors);
    }

    [Fact]
    public async Task Validate_SignatureThatDoesNotFitTheParameters_IsReported()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/tools.py", """
            def narrow(a):
                return a

            def needy(a, b, c=1):
                return a

            def flexible(a, **rest):
                return a
            """);
        var executor = await project.StartAsync();

        Assert.Equal(["Function 'narrow' in python/tools.py does not accept parameter(s) b"], await executor.ValidateAsync(PythonProject.Tool("narrow", file, "a", "b"), null, Ct));
        Assert.Equal(["Function 'needy' in python/tools.py requires argument(s) b that the endpoint does not declare"], await executor.ValidateAsync(PythonProject.Tool("needy", file, "a"), null, Ct));
        Assert.Empty(await executor.ValidateAsync(PythonProject.Tool("flexible", file, "a", "b", "c"), null, Ct));
    }

    [Fact]
    public async Task Validate_MissingFile_IsReported()
    {
        await using var project = new PythonProject();
        var executor = await project.StartAsync();

        var errors = await executor.ValidateAsync(PythonProject.Tool("tool", Path.Combine(project.Root, "python", "nope.py")), null, Ct);

        Assert.Equal(["Python source file not found: python/nope.py"], errors);
    }

    [Fact]
    public async Task Execute_ModuleThatFailedToImport_FailsWithTheSameMessage()
    {
        await using var project = new PythonProject();
        var file = project.Write("python/broken.py", "raise RuntimeError('config missing')\n");
        var executor = await project.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => executor.ExecuteAsync(PythonProject.Call(PythonProject.Tool("tool", file)), Ct).AsTask());

        Assert.Equal("Failed to execute Python code: python/broken.py, line 1: RuntimeError: config missing", error.Message);
    }
}
