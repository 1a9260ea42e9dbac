using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Endpoints;

/// <summary>Reads one endpoint file (a tool, resource or prompt) into an <see cref="EndpointDefinition"/>.</summary>
internal static partial class EndpointFileReader
{
    private static readonly Dictionary<string, PolicyAction> Actions = new(StringComparer.Ordinal)
    {
        ["deny"] = PolicyAction.Deny,
        ["filter_fields"] = PolicyAction.FilterFields,
        ["mask_fields"] = PolicyAction.MaskFields,
        ["filter_sensitive_fields"] = PolicyAction.FilterSensitiveFields,
    };

    private static readonly string[] AssertionKeys =
        ["result", "result_contains", "result_not_contains", "result_contains_item", "result_contains_all", "result_length", "result_contains_text"];

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex UriVariable();

    /// <summary>
    /// Remarks about a definition that do not stop it from being served: resource parameters that are not in the URI
    /// (a client reading the resource cannot set them, so they take their defaults; <c>mxcp run</c> can).
    /// </summary>
    public static IReadOnlyList<string> Warnings(EndpointDefinition definition)
    {
        if (definition.Kind != EndpointKind.Resource)
        {
            return [];
        }

        var variables = UriVariables(definition.Uri!);
        var unused = definition.Parameters.Select(p => p.Name).Where(n => !variables.Contains(n)).Order(StringComparer.Ordinal).ToList();
        return unused.Count == 0
            ? []
            : [$"Resource parameter(s) [{string.Join(", ", unused.Select(u => $"'{u}'"))}] are not used in uri '{definition.Uri}'. Put them in the uri or make a 'tool:' instead."];
    }

    /// <summary>The variables of a URI template, in order (<c>{var}</c> segments).</summary>
    public static IReadOnlyList<string> UriVariables(string uri) =>
        UriVariable().Matches(uri).Select(m => m.Groups[1].Value).ToList();

    /// <summary>
    /// Reads an endpoint file. Returns <see langword="null"/> when the file has no key of <paramref name="expected"/>
    /// (the reference skips such files with a warning). Throws <see cref="ProjectFileException"/> on any error.
    /// </summary>
    public static EndpointDefinition? Read(YamlNode? root, string file, string fullPath, string projectRoot, EndpointKind expected)
    {
        if (root is null)
        {
            throw new ProjectFileException(file, "Endpoint file is empty");
        }

        var r = YamlMappingReader.From(root, file, "");
        ReadVersion(r);
        var present = new List<string>();
        foreach (var key in (string[])["tool", "resource", "prompt"])
        {
            if (r.Has(key))
            {
                present.Add(key);
            }
        }

        var metadata = r.Get("metadata");
        if (metadata is not null and not YamlMapping)
        {
            throw r.Error(metadata, "metadata", $"expected a mapping, got {metadata.Describe()}");
        }

        r.EnsureNoUnknownKeys();
        if (present.Count > 1)
        {
            throw new ProjectFileException(file, root.Line, root.Column, null, $"exactly one of tool, resource or prompt is allowed, found {string.Join(" and ", present)}");
        }

        var expectedKey = expected.ToString().ToLowerInvariant();
        if (present.Count == 0)
        {
            throw new ProjectFileException(file, root.Line, root.Column, null, "expected one of the keys tool, resource or prompt");
        }

        if (present[0] != expectedKey)
        {
            return null;
        }

        var body = YamlMappingReader.From(r.Node[expectedKey]!, file, expectedKey);
        var metadataJson = metadata is null ? (JsonElement?)null : YamlJson.ToElement(metadata);
        var definition = expected switch
        {
            EndpointKind.Tool => ReadTool(body, fullPath, projectRoot),
            EndpointKind.Resource => ReadResource(body, fullPath, projectRoot),
            _ => ReadPrompt(body),
        };
        body.EnsureNoUnknownKeys();
        return new EndpointDefinition
        {
            Kind = definition.Kind,
            Name = definition.Name,
            Uri = definition.Uri,
            Description = definition.Description,
            Tags = definition.Tags,
            Annotations = definition.Annotations,
            Parameters = definition.Parameters,
            Return = definition.Return,
            Language = definition.Language,
            Source = definition.Source,
            MimeType = definition.MimeType,
            Messages = definition.Messages,
            Policies = definition.Policies,
            Tests = definition.Tests,
            Enabled = definition.Enabled,
            Metadata = metadataJson,
            FilePath = fullPath,
        };
    }

    private static void ReadVersion(YamlMappingReader r)
    {
        var node = r.Get("mxcp");
        if (node is null)
        {
            return;
        }

        // Endpoint files accept numeric strings ("1", "1.0"), as MXCP does.
        var text = node is YamlScalar s ? s.Value : null;
        if (text is null || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var version) || version != 1)
        {
            throw r.Error(node, "mxcp", $"unsupported endpoint file version {node.Describe()}; write 'mxcp: 1'");
        }
    }

    private static EndpointDefinition ReadTool(YamlMappingReader t, string fullPath, string projectRoot)
    {
        var annotations = t.Mapping("annotations");
        EndpointAnnotations? parsedAnnotations = null;
        if (annotations is not null)
        {
            parsedAnnotations = new EndpointAnnotations
            {
                Title = annotations.String("title"),
                ReadOnlyHint = annotations.Bool("readOnlyHint"),
                DestructiveHint = annotations.Bool("destructiveHint"),
                IdempotentHint = annotations.Bool("idempotentHint"),
                OpenWorldHint = annotations.Bool("openWorldHint"),
            };
            annotations.EnsureNoUnknownKeys();
        }

        var parameters = TypeSchemaReader.ReadParameters(t, "parameters");
        var (language, source) = ReadSource(t, fullPath, projectRoot);
        return new EndpointDefinition
        {
            Kind = EndpointKind.Tool,
            Name = RequiredNonEmpty(t, "name"),
            Description = t.String("description"),
            Tags = t.StringList("tags") ?? [],
            Annotations = parsedAnnotations,
            Parameters = parameters,
            Return = TypeSchemaReader.ReadType(t, "return"),
            Language = language,
            Source = source,
            Enabled = t.Bool("enabled") ?? true,
            Tests = ReadTests(t),
            Policies = ReadPolicies(t),
        };
    }

    private static EndpointDefinition ReadResource(YamlMappingReader t, string fullPath, string projectRoot)
    {
        var uri = RequiredNonEmpty(t, "uri");
        var parameters = TypeSchemaReader.ReadParameters(t, "parameters");
        var variables = UriVariables(uri);
        var undeclared = variables.Where(v => parameters.All(p => p.Name != v)).ToList();
        if (undeclared.Count > 0)
        {
            throw t.Error(t.Node["uri"]!, t.PathOf("uri"),
                $"URI variable(s) {string.Join(", ", undeclared.Select(v => "{" + v + "}"))} of '{uri}' have no parameter; declare them under parameters");
        }

        var (language, source) = ReadSource(t, fullPath, projectRoot);
        return new EndpointDefinition
        {
            Kind = EndpointKind.Resource,
            Uri = uri,
            Name = t.String("name") ?? uri,
            Description = t.String("description"),
            Tags = t.StringList("tags") ?? [],
            MimeType = t.String("mime_type"),
            Parameters = parameters,
            Return = TypeSchemaReader.ReadType(t, "return"),
            Language = language,
            Source = source,
            Enabled = t.Bool("enabled") ?? true,
            Tests = ReadTests(t),
            Policies = ReadPolicies(t),
        };
    }

    private static EndpointDefinition ReadPrompt(YamlMappingReader t)
    {
        var messages = t.Sequence("messages") ?? throw t.Missing("messages");
        if (messages.Items.Count == 0)
        {
            throw t.Error(messages, t.PathOf("messages"), "a prompt needs at least one message");
        }

        var parsed = new List<PromptMessageDefinition>(messages.Items.Count);
        for (var i = 0; i < messages.Items.Count; i++)
        {
            var m = YamlMappingReader.From(messages.Items[i], t.File, $"{t.PathOf("messages")}[{i}]");
            var role = m.String("role");
            if (role is not null and not ("user" or "assistant" or "system"))
            {
                throw m.Error(m.Node["role"]!, m.PathOf("role"), $"expected one of user, assistant, system, got '{role}'");
            }

            parsed.Add(new PromptMessageDefinition(m.RequiredString("prompt"), role, m.String("type")));
            m.EnsureNoUnknownKeys();
        }

        return new EndpointDefinition
        {
            Kind = EndpointKind.Prompt,
            Name = RequiredNonEmpty(t, "name"),
            Description = t.String("description"),
            Tags = t.StringList("tags") ?? [],
            Parameters = TypeSchemaReader.ReadParameters(t, "parameters"),
            Return = TypeSchemaReader.ReadType(t, "return"),
            Messages = parsed,
            Enabled = t.Bool("enabled") ?? true,
            Tests = ReadTests(t),
            Policies = ReadPolicies(t),
        };
    }

    private static (string Language, EndpointSource Source) ReadSource(YamlMappingReader t, string fullPath, string projectRoot)
    {
        var language = t.String("language");
        var s = t.Mapping("source") ?? throw t.Missing("source");
        var code = s.String("code");
        var file = s.String("file");
        var sourceLanguage = s.String("language");
        s.EnsureNoUnknownKeys();
        if ((code is null) == (file is null))
        {
            throw s.Error(s.Node, s.Path, "exactly one of 'code' or 'file' is required");
        }

        if (code is { Length: 0 } || file is { Length: 0 })
        {
            throw s.Error(s.Node, s.Path, code is not null ? "'code' must not be empty" : "'file' must not be empty");
        }

        string? resolved = null;
        if (file is not null)
        {
            resolved = file.StartsWith('/')
                ? Path.GetFullPath(Path.Combine(projectRoot, file.TrimStart('/')))
                : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(fullPath)!, file));
        }

        // language, else source.language, else the file extension, else sql (the reference ignores the last two).
        var effective = language ?? sourceLanguage ?? (file is not null && file.EndsWith(".py", StringComparison.OrdinalIgnoreCase) ? "python" : "sql");
        if (effective == "python" && file is null)
        {
            throw s.Error(s.Node, s.Path, "Python endpoints must specify source.file");
        }

        return (effective, new EndpointSource { Code = code, File = file, FullPath = resolved, Language = sourceLanguage });
    }

    private static string RequiredNonEmpty(YamlMappingReader t, string key)
    {
        var value = t.RequiredString(key);
        if (value.Trim().Length == 0)
        {
            throw t.Error(t.Node[key]!, t.PathOf(key), "must not be empty");
        }

        return value;
    }

    private static PolicySet? ReadPolicies(YamlMappingReader t) => t.Mapping("policies") is { } p ? ReadPolicySet(p) : null;

    /// <summary>Reads a <c>policies</c> block: <c>input</c> and <c>output</c> rule lists.</summary>
    public static PolicySet ReadPolicySet(YamlMappingReader p)
    {
        var set = new PolicySet { Input = ReadRules(p, "input"), Output = ReadRules(p, "output") };
        p.EnsureNoUnknownKeys();
        return set;
    }

    private static List<PolicyRule> ReadRules(YamlMappingReader p, string key)
    {
        var seq = p.Sequence(key);
        var rules = new List<PolicyRule>();
        if (seq is null)
        {
            return rules;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var r = YamlMappingReader.From(seq.Items[i], p.File, $"{p.PathOf(key)}[{i}]");
            var condition = r.RequiredString("condition");
            var action = r.Enum("action", Actions) ?? throw r.Missing("action");
            var fields = r.StringList("fields") ?? [];
            if (action is PolicyAction.FilterFields or PolicyAction.MaskFields && fields.Count == 0)
            {
                var actionName = action == PolicyAction.FilterFields ? "filter_fields" : "mask_fields";
                throw r.Error(r.Node, r.Path, $"action '{actionName}' needs a non-empty 'fields' list");
            }

            rules.Add(new PolicyRule(condition, action, r.String("reason"), fields));
            r.EnsureNoUnknownKeys();
        }

        return rules;
    }

    private static List<EndpointTestDefinition> ReadTests(YamlMappingReader t)
    {
        var seq = t.Sequence("tests");
        var tests = new List<EndpointTestDefinition>();
        if (seq is null)
        {
            return tests;
        }

        for (var i = 0; i < seq.Items.Count; i++)
        {
            var r = YamlMappingReader.From(seq.Items[i], t.File, $"{t.PathOf("tests")}[{i}]");
            var args = r.Sequence("arguments") ?? throw r.Missing("arguments");
            var arguments = new List<KeyValuePair<string, JsonElement>>();
            for (var j = 0; j < args.Items.Count; j++)
            {
                var a = YamlMappingReader.From(args.Items[j], t.File, $"{r.PathOf("arguments")}[{j}]");
                var key = a.RequiredString("key");
                if (!a.Has("value"))
                {
                    throw a.Missing("value");
                }

                arguments.Add(new(key, YamlJson.ToElement(a.GetIncludingNull("value"))));
                a.EnsureNoUnknownKeys();
            }

            var userContext = r.Get("user_context");
            if (userContext is not null and not YamlMapping)
            {
                throw r.Error(userContext, r.PathOf("user_context"), $"expected a mapping, got {userContext.Describe()}");
            }

            var assertions = new List<KeyValuePair<string, JsonElement>>();
            foreach (var key in AssertionKeys)
            {
                if (r.Get(key) is { } node)
                {
                    switch (key)
                    {
                        case "result_not_contains":
                            r.StringList(key);
                            break;
                        case "result_contains_all" when node is not YamlSequence:
                            throw r.Error(node, r.PathOf(key), $"expected a list, got {node.Describe()}");
                        case "result_length":
                            r.Int(key, min: 0);
                            break;
                        case "result_contains_text":
                            r.String(key);
                            break;
                    }

                    assertions.Add(new(key, YamlJson.ToElement(node)));
                }
            }

            tests.Add(new EndpointTestDefinition
            {
                Name = r.RequiredString("name"),
                Description = r.String("description"),
                Arguments = arguments,
                UserContext = userContext is null ? null : YamlJson.ToElement(userContext),
                Assertions = assertions,
            });
            r.EnsureNoUnknownKeys();
        }

        return tests;
    }
}
