using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mxcp.Abstractions;
using Mxcp.Runtime.Yaml;

namespace Mxcp.Runtime.Configuration;

/// <summary>
/// Resolves external references in configuration values: <c>${VAR}</c> anywhere in a string,
/// whole-value <c>file://path</c>, and any other scheme (<c>vault://</c>, <c>op://</c>) through the registered
/// <see cref="ISecretProvider"/>s. Errors name the file, position and key path, never a resolved value.
/// </summary>
internal sealed partial class ReferenceResolver(IReadOnlyList<ISecretProvider> providers, Func<string, string?> environment, string baseDirectory)
{
    private readonly List<string> _secrets = [];

    /// <summary>The values that secret providers (<c>vault://</c>, <c>op://</c>, ...) and <c>file://</c> references resolved to.</summary>
    public IReadOnlyList<string> ResolvedSecrets => _secrets;

    [GeneratedRegex(@"\$\{([A-Za-z0-9_]+)\}")]
    private static partial Regex EnvReference();

    /// <summary>Whether a string value holds a reference: <c>${VAR}</c>, a whole-value <c>file://</c>, <c>vault://</c> or
    /// <c>op://</c> reference, or anything a registered provider claims.</summary>
    public bool IsReference(string value) =>
        value.Contains("${", StringComparison.Ordinal) || IsSchemeReference(value);

    private bool IsSchemeReference(string value)
    {
        if (value.StartsWith("file://", StringComparison.Ordinal) || value.StartsWith("vault://", StringComparison.Ordinal)
            || value.StartsWith("op://", StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var provider in providers)
        {
            if (provider.CanResolve(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns a copy of <paramref name="node"/> with every reference in it resolved.</summary>
    public async ValueTask<YamlNode> ResolveAsync(YamlNode node, string file, string path, JsonElement providerConfig, CancellationToken cancellationToken)
    {
        switch (node)
        {
            case YamlScalar scalar when scalar.Kind == YamlScalarKind.String && IsReference(scalar.Value):
                var resolved = await ResolveValueAsync(scalar, file, path, providerConfig, cancellationToken).ConfigureAwait(false);
                return new YamlScalar(resolved, isPlain: false, scalar.Line, scalar.Column, fromReference: true);
            case YamlSequence sequence:
                var items = new List<YamlNode>(sequence.Items.Count);
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    items.Add(await ResolveAsync(sequence.Items[i], file, $"{path}[{i}]", providerConfig, cancellationToken).ConfigureAwait(false));
                }

                return new YamlSequence(items, sequence.Line, sequence.Column);
            case YamlMapping mapping:
                var entries = new List<KeyValuePair<YamlScalar, YamlNode>>(mapping.Entries.Count);
                foreach (var (key, value) in mapping.Entries)
                {
                    var childPath = path.Length == 0 ? key.Value : path + "." + key.Value;
                    entries.Add(new(key, await ResolveAsync(value, file, childPath, providerConfig, cancellationToken).ConfigureAwait(false)));
                }

                return new YamlMapping(entries, mapping.Line, mapping.Column);
            default:
                return node;
        }
    }

    private async ValueTask<string> ResolveValueAsync(YamlScalar scalar, string file, string path, JsonElement providerConfig, CancellationToken cancellationToken)
    {
        var text = scalar.Value;
        if (text.StartsWith("file://", StringComparison.Ordinal))
        {
            var content = ReadFileReference(scalar, file, path, text["file://".Length..]);
            _secrets.Add(content);
            return content;
        }

        if (IsSchemeReference(text))
        {
            foreach (var provider in providers)
            {
                if (provider.CanResolve(text))
                {
                    try
                    {
                        var secret = await provider.ResolveAsync(text, providerConfig, cancellationToken).ConfigureAwait(false);
                        _secrets.Add(secret);
                        return secret;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The reference names where the secret is (vault://secret/app#db_password), not what it is.
                        throw new ProjectFileException(file, scalar.Line, scalar.Column, path, $"cannot resolve '{text}': {e.Message}", e);
                    }
                }
            }

            throw new ProjectFileException(file, scalar.Line, scalar.Column, path,
                $"no secret provider handles '{SchemeOf(text)}' references; load the plugin that provides it (for example plugins/Vault for vault://)");
        }

        var builder = new StringBuilder(text.Length);
        var last = 0;
        foreach (Match match in EnvReference().Matches(text))
        {
            var name = match.Groups[1].Value;
            var value = environment(name) ?? throw new ProjectFileException(file, scalar.Line, scalar.Column, path, $"environment variable {name} is not set");
            builder.Append(text, last, match.Index - last).Append(value);
            last = match.Index + match.Length;
        }

        builder.Append(text, last, text.Length - last);
        return builder.ToString();
    }

    private string ReadFileReference(YamlScalar scalar, string file, string path, string target)
    {
        // file:///abs is absolute; file://rel is relative to the project root (the reference uses the working directory,
        // which is the project root in the usual `cd project && mxcp ...` case, but not when mxcp runs from elsewhere).
        var fullPath = target.StartsWith('/') ? target : Path.GetFullPath(Path.Combine(baseDirectory, target));
        try
        {
            return File.ReadAllText(fullPath, Encoding.UTF8).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProjectFileException(file, scalar.Line, scalar.Column, path, $"cannot read file reference '{fullPath}': {e.Message}", e);
        }
    }

    private static string SchemeOf(string reference)
    {
        var end = reference.IndexOf("://", StringComparison.Ordinal);
        return end < 0 ? "secret" : reference[..(end + 3)];
    }
}
