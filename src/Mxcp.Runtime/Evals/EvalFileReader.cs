using System.Globalization;
using System.Text.Json;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Evals;

/// <summary>
/// Finds and reads the eval suites of a project: every <c>*.yml</c> and <c>*.yaml</c> under <c>paths.evals</c>
/// (recursively) that has an <c>mxcp</c> key; other YAML files there are skipped. Errors name the file, line and key.
/// </summary>
internal static class EvalFileReader
{
    public static IReadOnlyList<EvalFile> Discover(ProjectConfiguration config, Action<string> skipped)
    {
        var dir = config.ResolvePath(config.Site.Paths.Evals);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var files = new List<EvalFile>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
                     .Where(p => p.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                     .Order(StringComparer.Ordinal))
        {
            var display = Path.GetRelativePath(config.ProjectRoot, path).Replace('\\', '/');
            try
            {
                if (Read(YamlDocumentLoader.LoadFile(path, display), display) is { } suite)
                {
                    files.Add(new EvalFile(path, display, suite, null));
                }
                else
                {
                    skipped($"Skipping {display}: Not a mxcp eval file (missing 'mxcp' field)");
                }
            }
            catch (ProjectFileException e)
            {
                files.Add(new EvalFile(path, display, null, $"Failed to load eval file {e.Message}"));
            }
        }

        return files;
    }

    /// <summary>Reads a suite; <see langword="null"/> when the document has no <c>mxcp</c> key (not an eval file).</summary>
    public static EvalSuite? Read(YamlNode? root, string file)
    {
        if (root is not YamlMapping)
        {
            return null;
        }

        var r = YamlMappingReader.From(root, file, "");
        if (!r.Has("mxcp"))
        {
            return null;
        }

        var version = r.Get("mxcp");
        if (version is not YamlScalar { Value: var text } || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number != 1)
        {
            throw r.Error(version ?? root, "mxcp", $"unsupported eval file version {version?.Describe() ?? "null"}; write 'mxcp: 1'");
        }

        var suite = Identifier(r, "suite", "Eval suite name");
        var description = r.String("description");
        var model = r.String("model");
        var testsNode = r.Sequence("tests") ?? throw r.Missing("tests");
        var tests = new List<EvalTest>(testsNode.Items.Count);
        for (var i = 0; i < testsNode.Items.Count; i++)
        {
            tests.Add(ReadTest(YamlMappingReader.From(testsNode.Items[i], file, $"tests[{i}]")));
        }

        r.EnsureNoUnknownKeys();
        return new EvalSuite(suite, description, model, tests);
    }

    private static EvalTest ReadTest(YamlMappingReader t)
    {
        var name = Identifier(t, "name", "Eval test name");
        var description = t.String("description");
        var prompt = t.RequiredString("prompt");
        var user = t.Get("user_context");
        if (user is not null and not YamlMapping)
        {
            throw t.Error(user, t.PathOf("user_context"), $"expected a mapping, got {user.Describe()}");
        }

        var a = t.Mapping("assertions") ?? throw t.Missing("assertions");
        var mustCall = new List<ExpectedCall>();
        if (a.Sequence("must_call") is { } calls)
        {
            for (var i = 0; i < calls.Items.Count; i++)
            {
                var c = YamlMappingReader.From(calls.Items[i], t.File, $"{a.PathOf("must_call")}[{i}]");
                var tool = c.RequiredString("tool");
                var args = c.Mapping("args") ?? throw c.Missing("args");
                var expected = args.Node.Entries.Select(e => new KeyValuePair<string, JsonElement>(e.Key.Value, YamlJson.ToElement(e.Value))).ToList();
                foreach (var (key, _) in args.Node.Entries)
                {
                    args.Has(key.Value);
                }

                c.EnsureNoUnknownKeys();
                mustCall.Add(new ExpectedCall(tool, expected));
            }
        }

        var assertions = new EvalAssertions(
            mustCall,
            a.StringList("must_not_call") ?? [],
            a.StringList("answer_contains") ?? [],
            a.StringList("answer_not_contains") ?? []);
        a.EnsureNoUnknownKeys();
        t.EnsureNoUnknownKeys();
        return new EvalTest(name, description, prompt, user is null ? null : YamlJson.ToElement(user), assertions);
    }

    // Suite and test names follow the rules of parameter names.
    private static string Identifier(YamlMappingReader r, string key, string what)
    {
        var value = r.RequiredString(key);
        var problem = value.Length == 0 ? $"{what} cannot be empty"
            : !(char.IsLetter(value[0]) || value[0] == '_') ? $"{what} must start with a letter or underscore"
            : !value.All(c => char.IsLetterOrDigit(c) || c == '_') ? $"{what} must contain only alphanumeric characters or underscores"
            : null;
        return problem is null ? value : throw r.Error(r.Node[key]!, r.PathOf(key), problem);
    }
}
