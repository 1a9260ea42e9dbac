using System.Text.Json;

namespace Mxcp.Runtime.Evals;

/// <summary>An eval suite file (<c>evals/*.yml</c> with an <c>mxcp</c> key): prompts for an LLM and what it must do with the tools.</summary>
internal sealed record EvalSuite(string Suite, string? Description, string? Model, IReadOnlyList<EvalTest> Tests);

/// <summary>One eval: a prompt, the user it runs as, and the assertions on the model's tool calls and answer.</summary>
internal sealed record EvalTest(string Name, string? Description, string Prompt, JsonElement? UserContext, EvalAssertions Assertions);

/// <summary>
/// <c>must_call</c> (a call of the tool whose arguments include these), <c>must_not_call</c>, <c>answer_contains</c> and
/// <c>answer_not_contains</c> (case-insensitive).
/// </summary>
internal sealed record EvalAssertions(
    IReadOnlyList<ExpectedCall> MustCall,
    IReadOnlyList<string> MustNotCall,
    IReadOnlyList<string> AnswerContains,
    IReadOnlyList<string> AnswerNotContains);

/// <summary>A tool the model must call, with arguments its call must include.</summary>
internal sealed record ExpectedCall(string Tool, IReadOnlyList<KeyValuePair<string, JsonElement>> Args);

/// <summary>An eval file found under <c>paths.evals</c>: the suite, or why it cannot be read.</summary>
internal sealed record EvalFile(string FullPath, string DisplayPath, EvalSuite? Suite, string? Error);
