using System.Text;
using Microsoft.Extensions.Logging;
using Mxcp.Abstractions;
using Mxcp.Runtime.Configuration;
using Mxcp.Runtime.Execution;
using Mxcp.Runtime.Policies;
using Mxcp.Runtime.Templates;
using Mxcp.Runtime.Types;

namespace Mxcp.Runtime.Endpoints;

/// <summary>
/// Builds a <see cref="ProjectSnapshot"/>: loads the configuration, discovers and reads the endpoint files, starts the
/// executors of the languages in use, and prepares each endpoint once (source text, executor checks, templates,
/// policies, JSON schemas). Endpoints that fail any check become <see cref="EndpointProblem"/>s.
/// </summary>
internal sealed partial class ProjectSnapshotBuilder(
    ProjectConfigurationLoader configurationLoader,
    IEnumerable<IEndpointExecutorProvider> executorProviders,
    IServiceProvider services,
    SensitiveTextRegistry sensitiveTexts,
    ILogger<ProjectSnapshotBuilder> logger)
{
    private readonly IReadOnlyList<IEndpointExecutorProvider> _providers = executorProviders.OrderBy(p => p.Order).ToArray();
    private long _generation;

    public async Task<ProjectSnapshot> BuildAsync(MxcpOptions options, SnapshotBuildMode mode, CancellationToken cancellationToken)
    {
        var config = await configurationLoader.LoadAsync(options, cancellationToken).ConfigureAwait(false);
        sensitiveTexts.AddSecrets(config.Secrets);
        var files = EndpointDiscovery.Discover(config).ToList();
        foreach (var warning in files.Where(f => f.Warning is not null))
        {
            LogSkippedFile(logger, warning.Warning!);
        }

        var generation = Interlocked.Increment(ref _generation);
        if (mode == SnapshotBuildMode.DiscoveryOnly)
        {
            return new ProjectSnapshot(generation, config, files, [], Problems(files), []);
        }

        // Outside Full, executors of other languages start only for the SQL functions they provide (validate, query).
        var functionsOnly = mode != SnapshotBuildMode.Full;
        var executors = await CreateExecutorsAsync(config, functionsOnly ? [] : files, functionsOnly, startAll: !functionsOnly, cancellationToken).ConfigureAwait(false);
        if (mode == SnapshotBuildMode.DatabaseOnly)
        {
            return new ProjectSnapshot(generation, config, files, [], Problems(files), executors);
        }

        try
        {
            var byLanguage = executors
                .Where(e => !functionsOnly || e is ISqlDatabase)
                .ToDictionary(e => e.Language, StringComparer.OrdinalIgnoreCase);
            var toPrepare = new List<int>(files.Count);
            for (var i = 0; i < files.Count; i++)
            {
                if (!files[i].IsValid)
                {
                    continue;
                }

                var language = files[i].Definition!.Language;
                if (mode == SnapshotBuildMode.Validate && language is not null && !byLanguage.ContainsKey(language))
                {
                    files[i] = CheckWithoutExecutor(files[i], language);
                    continue;
                }

                toPrepare.Add(i);
            }

            var results = await PrepareAllAsync(files, toPrepare, byLanguage, cancellationToken).ConfigureAwait(false);
            var prepared = new List<PreparedEndpoint>(toPrepare.Count);
            for (var k = 0; k < toPrepare.Count; k++)
            {
                var i = toPrepare[k];
                var (endpoint, error, warnings) = results[k];
                if (error is not null)
                {
                    files[i] = files[i] with { Error = $"{files[i].DisplayPath}: {error}" };
                }
                else
                {
                    prepared.Add(endpoint!);
                    if (warnings.Count > 0)
                    {
                        files[i] = files[i] with { Warnings = [.. files[i].Warnings, .. warnings] };
                    }
                }
            }

            var problems = Problems(files);
            AddBuiltIns(prepared, problems, executors);
            return new ProjectSnapshot(generation, config, files, prepared, problems, executors);
        }
        catch
        {
            foreach (var executor in executors)
            {
                await executor.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Checks a candidate project without starting anything: configuration, every endpoint file, types, templates and
    /// policies, and the implementations against the running executors (<paramref name="liveExecutors"/>, e.g. SQL is
    /// prepared on the live database, which changes nothing). Languages without a running executor are not checked.
    /// </summary>
    public async Task<(ProjectConfiguration Config, IReadOnlyList<EndpointFile> Files)> ValidateAsync(
        MxcpOptions options, IReadOnlyList<IEndpointExecutor> liveExecutors, CancellationToken cancellationToken)
    {
        var config = await configurationLoader.LoadAsync(options, cancellationToken).ConfigureAwait(false);
        sensitiveTexts.AddSecrets(config.Secrets);
        var files = EndpointDiscovery.Discover(config).ToList();
        var byLanguage = liveExecutors.ToDictionary(e => e.Language, StringComparer.OrdinalIgnoreCase);
        var toPrepare = Enumerable.Range(0, files.Count)
            .Where(i => files[i].IsValid && (files[i].Definition!.Language is not { } language || byLanguage.ContainsKey(language)))
            .ToList();
        var results = await PrepareAllAsync(files, toPrepare, byLanguage, cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < toPrepare.Count; k++)
        {
            if (results[k].Error is { } error)
            {
                var i = toPrepare[k];
                files[i] = files[i] with { Error = $"{files[i].DisplayPath}: {error}" };
            }
        }

        return (config, files);
    }

    /// <summary>
    /// Serves the endpoints of <paramref name="previous"/> again with new executors, from what it holds in memory
    /// (definitions, source text, templates, policies), not from disk: the way back after a reload that failed once
    /// the previous executors were already closed.
    /// </summary>
    public async Task<ProjectSnapshot> RestoreAsync(ProjectSnapshot previous, CancellationToken cancellationToken)
    {
        var executors = await CreateExecutorsAsync(previous.Config, previous.Files, functionsOnly: false, startAll: true, cancellationToken).ConfigureAwait(false);
        var byLanguage = executors.ToDictionary(e => e.Language, StringComparer.OrdinalIgnoreCase);
        var prepared = new List<PreparedEndpoint>();
        var problems = previous.Problems.Where(p => !p.FromBuiltIn).ToList();
        var endpoints = previous.Endpoints.Where(e => !e.IsBuiltIn).ToList();
        var checks = await ForEachConcurrentAsync(endpoints.Count, (i, token) =>
            endpoints[i].Executor is not null && byLanguage.TryGetValue(endpoints[i].Definition.Language ?? "sql", out var executor)
                ? executor.ValidateAsync(endpoints[i].Definition, endpoints[i].SourceText, token)
                : ValueTask.FromResult<IReadOnlyList<string>>([]), cancellationToken).ConfigureAwait(false);
        for (var k = 0; k < endpoints.Count; k++)
        {
            var endpoint = endpoints[k];
            if (endpoint.Executor is null)
            {
                prepared.Add(endpoint);
                continue;
            }

            if (!byLanguage.TryGetValue(endpoint.Definition.Language ?? "sql", out var executor))
            {
                problems.Add(new EndpointProblem(endpoint.DisplayPath, $"{endpoint.DisplayPath}: no plugin provides the language '{endpoint.Definition.Language}'"));
                continue;
            }

            var errors = checks[k];
            if (errors.Count > 0)
            {
                problems.Add(new EndpointProblem(endpoint.DisplayPath, $"{endpoint.DisplayPath}: {string.Join("; ", errors)}"));
                continue;
            }

            prepared.Add(endpoint.WithExecutor(executor));
        }

        AddBuiltIns(prepared, problems, executors);
        return new ProjectSnapshot(Interlocked.Increment(ref _generation), previous.Config, previous.Files, prepared, problems, executors);
    }

    /// <summary>
    /// The snapshot that serves the executors' built-in endpoints as they are now, on the same executors, next to the
    /// same file endpoints: for an executor whose built-in endpoints changed (<see cref="IEndpointExecutor.BuiltInEndpointsChanged"/>).
    /// </summary>
    public ProjectSnapshot Refresh(ProjectSnapshot current)
    {
        var prepared = current.Endpoints.Where(e => !e.IsBuiltIn).ToList();
        var problems = current.Problems.Where(p => !p.FromBuiltIn).ToList();
        AddBuiltIns(prepared, problems, current.Executors);
        foreach (var problem in problems.Where(p => p.FromBuiltIn && !current.Problems.Contains(p)))
        {
            LogBuiltInRefused(logger, problem.Message);
        }

        return new ProjectSnapshot(Interlocked.Increment(ref _generation), current.Config, current.Files, prepared, problems, current.Executors, current);
    }

    /// <summary>
    /// Adds the executors' built-in endpoints after the file endpoints. One that takes the name (or URI) of an endpoint
    /// already there, or whose policies or types are wrong, is not served: it becomes a problem naming both sides.
    /// </summary>
    private void AddBuiltIns(List<PreparedEndpoint> prepared, List<EndpointProblem> problems, IReadOnlyList<IEndpointExecutor> executors)
    {
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var endpoint in prepared)
        {
            taken.TryAdd(endpoint.Key, endpoint.DisplayPath);
        }

        foreach (var executor in executors)
        {
            IReadOnlyList<EndpointDefinition> builtIns;
            try
            {
                builtIns = executor.BuiltInEndpoints;
            }
            catch (Exception e)
            {
                problems.Add(new EndpointProblem("built-in", $"the '{executor.Language}' executor cannot list its endpoints: {e.Message}", FromBuiltIn: true));
                continue;
            }

            foreach (var builtIn in builtIns)
            {
                var origin = builtIn.Origin ?? "built-in";
                var kind = builtIn.Kind.ToString().ToLowerInvariant();
                var id = builtIn.Kind == EndpointKind.Resource ? builtIn.Uri : builtIn.Name;
                string? error = null;
                if (taken.TryGetValue(builtIn.Key, out var owner))
                {
                    error = $"{origin}: the {kind} '{id}' has the same {(builtIn.Kind == EndpointKind.Resource ? "URI" : "name")} as the {kind} of {owner}; only {owner} is served (rename one of them)";
                }
                else if (CheckDeclarations(builtIn, out var policies) is { } declarationError)
                {
                    error = $"{origin}: {kind} '{id}': {declarationError}";
                }
                else
                {
                    prepared.Add(Prepare(builtIn, origin, sourceText: null, executor, [], policies, isBuiltIn: true));
                    taken[builtIn.Key] = origin;
                    continue;
                }

                problems.Add(new EndpointProblem(origin, error, FromBuiltIn: true));
            }
        }
    }

    private static List<EndpointProblem> Problems(IEnumerable<EndpointFile> files) =>
        files.Where(f => f.Error is not null).Select(f => new EndpointProblem(f.DisplayPath, f.Error!)).ToList();

    /// <summary>
    /// Starts the SQL executor, the executors of the languages <paramref name="files"/> use, with <paramref name="startAll"/>
    /// those that serve built-in endpoints only (<see cref="IEndpointExecutorProvider.StartsWithoutEndpointFiles"/>), and the
    /// executors that provide SQL functions for the project (<see cref="IEndpointExecutorProvider.ProvidesSqlFunctions"/>), in
    /// order. With <paramref name="functionsOnly"/> the latter run no endpoints (<see cref="ProjectRuntimeContext.SqlFunctionsOnly"/>).
    /// </summary>
    private async Task<List<IEndpointExecutor>> CreateExecutorsAsync(ProjectConfiguration config, IReadOnlyList<EndpointFile> files, bool functionsOnly, bool startAll, CancellationToken cancellationToken)
    {
        var languages = files.Where(f => f.IsValid && f.Definition!.Language is not null)
            .Select(f => f.Definition!.Language!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);

        var executors = new List<IEndpointExecutor>();
        ISqlDatabase? sqlDatabase = null;
        try
        {
            foreach (var provider in _providers)
            {
                if (executors.Any(e => e.Language.Equals(provider.Language, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                var context = Context(config, sqlDatabase, sqlFunctionsOnly: false);

                // The SQL database is always started: `mxcp query`, the built-in SQL tools and other languages use it.
                var isSql = provider.Language.Equals("sql", StringComparison.OrdinalIgnoreCase);
                var used = isSql || languages.Contains(provider.Language) || (startAll && provider.StartsWithoutEndpointFiles);
                if (!used)
                {
                    if (sqlDatabase is null || !provider.ProvidesSqlFunctions(context))
                    {
                        continue;
                    }

                    context = Context(config, sqlDatabase, sqlFunctionsOnly: functionsOnly);
                }

                IEndpointExecutor executor;
                try
                {
                    executor = await provider.CreateAsync(context, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new ProjectLoadException($"Cannot start the '{provider.Language}' executor: {e.Message}", e);
                }

                executors.Add(executor);
                sqlDatabase ??= executor as ISqlDatabase;
            }
        }
        catch
        {
            foreach (var executor in executors)
            {
                await executor.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return executors;
    }

    private ProjectRuntimeContext Context(ProjectConfiguration config, ISqlDatabase? sqlDatabase, bool sqlFunctionsOnly) => new()
    {
        ProjectRoot = config.ProjectRoot,
        ProjectName = config.ProjectName,
        Profile = config.Profile,
        ReadOnly = config.ReadOnly,
        Debug = config.Debug,
        SiteConfig = config.SiteJson,
        UserConfig = config.UserJson,
        Secrets = config.UserProfile.Secrets,
        ResultLimits = config.ResultLimits,
        SqlDatabase = sqlDatabase,
        SqlFunctionsOnly = sqlFunctionsOnly,
        Services = services,
    };

    /// <summary>
    /// The check of <see cref="SnapshotBuildMode.Validate"/> for a language whose executor is not started: a plugin
    /// provides it, the source file exists and the types and policies are sound.
    /// </summary>
    private EndpointFile CheckWithoutExecutor(EndpointFile file, string language)
    {
        var definition = file.Definition!;
        string? error;
        if (!_providers.Any(p => p.Language.Equals(language, StringComparison.OrdinalIgnoreCase)))
        {
            error = $"no plugin provides the language '{language}' (is it installed under plugins/?)";
        }
        else if (definition.Source?.FullPath is { } path && !File.Exists(path))
        {
            error = $"source file not found: {definition.Source.File} (resolved to {path})";
        }
        else
        {
            error = CheckDeclarations(definition, out _);
        }

        return error is null ? file : file with { Error = $"{file.DisplayPath}: {error}" };
    }

    /// <summary>The checks that need no executor: parameter and return types, and policies (compiled into <paramref name="policies"/>).</summary>
    private static string? CheckDeclarations(EndpointDefinition definition, out CompiledPolicies policies)
    {
        policies = null!;
        var schemaErrors = TypeSchemaChecker.CheckParameters(definition.Parameters)
            .Concat(definition.Return is null ? [] : TypeSchemaChecker.Check(definition.Return, "return"))
            .ToList();
        if (schemaErrors.Count > 0)
        {
            return string.Join("; ", schemaErrors);
        }

        policies = CompiledPolicies.Compile(definition);
        return policies.HasErrors
            ? string.Join("; ", policies.Diagnostics.Where(d => d.Severity == PolicyDiagnosticSeverity.Error).Select(d => "policies." + d))
            : null;
    }

    /// <summary>
    /// Prepares the files at <paramref name="indices"/>, several at once (executor checks wait on a database or a worker
    /// process, and the rest is CPU work), and returns the results in the order of <paramref name="indices"/>. Policy
    /// warnings are logged in that order once all are done, so the log reads the same on every start.
    /// </summary>
    private async Task<(PreparedEndpoint? Endpoint, string? Error, IReadOnlyList<string> Warnings)[]> PrepareAllAsync(
        IReadOnlyList<EndpointFile> files, List<int> indices, Dictionary<string, IEndpointExecutor> executors, CancellationToken cancellationToken)
    {
        var results = await ForEachConcurrentAsync(indices.Count, (k, token) => PrepareAsync(files[indices[k]], executors, token), cancellationToken).ConfigureAwait(false);
        var output = new (PreparedEndpoint?, string?, IReadOnlyList<string>)[results.Length];
        for (var k = 0; k < results.Length; k++)
        {
            var (endpoint, error, warnings, policyWarnings) = results[k];
            foreach (var warning in policyWarnings)
            {
                LogPolicyWarning(logger, files[indices[k]].DisplayPath, warning);
            }

            output[k] = (endpoint, error, warnings);
        }

        return output;
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0 to <paramref name="count"/> - 1, at most twice as many at once as there are
    /// processors, and returns the results by index. The first failure stops the rest and is thrown.
    /// </summary>
    private static async Task<T[]> ForEachConcurrentAsync<T>(int count, Func<int, CancellationToken, ValueTask<T>> body, CancellationToken cancellationToken)
    {
        var results = new T[count];
        if (count <= 1)
        {
            for (var i = 0; i < count; i++)
            {
                results[i] = await body(i, cancellationToken).ConfigureAwait(false);
            }

            return results;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount * 2), CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, count), options, async (i, token) => results[i] = await body(i, token).ConfigureAwait(false)).ConfigureAwait(false);
        return results;
    }

    private async ValueTask<(PreparedEndpoint? Endpoint, string? Error, IReadOnlyList<string> Warnings, IReadOnlyList<string> PolicyWarnings)> PrepareAsync(
        EndpointFile file, Dictionary<string, IEndpointExecutor> executors, CancellationToken cancellationToken)
    {
        var definition = file.Definition!;
        if (CheckDeclarations(definition, out var policies) is { } declarationError)
        {
            return (null, declarationError, [], []);
        }

        IReadOnlyList<string> policyWarnings = [.. policies.Diagnostics.Where(d => d.Severity == PolicyDiagnosticSeverity.Warning).Select(d => d.ToString())];

        if (definition.Kind == EndpointKind.Prompt)
        {
            var templates = new List<JinjaTemplate>(definition.Messages.Count);
            var declared = definition.Parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < definition.Messages.Count; i++)
            {
                JinjaTemplate template;
                try
                {
                    template = JinjaTemplate.Parse(definition.Messages[i].Prompt);
                }
                catch (TemplateSyntaxException e)
                {
                    return (null, $"prompt.messages[{i}].prompt: {e.Message}", [], policyWarnings);
                }

                var undefined = template.UndeclaredVariables.Where(v => !declared.Contains(v)).Order(StringComparer.Ordinal).ToList();
                if (undefined.Count > 0)
                {
                    return (null, $"Message {i} uses undefined template variables: {string.Join(", ", undefined)}", [], policyWarnings);
                }

                templates.Add(template);
            }

            return (Prepare(definition, file.DisplayPath, null, null, templates, policies), null, [], policyWarnings);
        }

        if (!executors.TryGetValue(definition.Language ?? "sql", out var executor))
        {
            return (null, $"no plugin provides the language '{definition.Language}' (is it installed under plugins/?)", [], policyWarnings);
        }

        string? sourceText;
        if (definition.Source!.Code is { } code)
        {
            sourceText = code;
        }
        else
        {
            var path = definition.Source.FullPath!;
            if (!File.Exists(path))
            {
                return (null, $"source file not found: {definition.Source.File} (resolved to {path})", [], policyWarnings);
            }

            sourceText = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<string> errors;
        try
        {
            errors = await executor.ValidateAsync(definition, sourceText, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            errors = [e.Message];
        }

        if (errors.Count > 0)
        {
            return (null, string.Join("; ", errors), [], policyWarnings);
        }

        return (Prepare(definition, file.DisplayPath, sourceText, executor, [], policies), null, executor.Warnings(definition, sourceText), policyWarnings);
    }

    private static PreparedEndpoint Prepare(EndpointDefinition definition, string displayPath, string? sourceText, IEndpointExecutor? executor, IReadOnlyList<JinjaTemplate> templates, CompiledPolicies? policies = null, bool isBuiltIn = false) => new()
    {
        Definition = definition,
        DisplayPath = displayPath,
        SourceText = sourceText,
        Executor = executor,
        Templates = templates,
        Policies = policies ?? CompiledPolicies.Compile(definition),
        InputSchema = definition.InputSchema ?? JsonSchemaBuilder.BuildInputSchema(definition.Parameters),
        OutputSchema = definition.OutputSchema ?? JsonSchemaBuilder.BuildOutputSchema(definition.Return, definition.Policies),
        WrapsResult = !definition.ReturnsMcpResult && definition.Return is not null && JsonSchemaBuilder.WrapsResult(definition.Return),
        UriMatcher = definition.Kind == EndpointKind.Resource ? new UriTemplateMatcher(definition.Uri!) : null,
        IsBuiltIn = isBuiltIn,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Warning}")]
    private static partial void LogSkippedFile(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Not served: {Problem}")]
    private static partial void LogBuiltInRefused(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{File}: policies.{Warning}")]
    private static partial void LogPolicyWarning(ILogger logger, string file, string warning);
}
