using Microsoft.AspNetCore.Http;

namespace InferenceScaling.Server;

/// <summary><c>POST /v1/solve</c>: self-consistency (then verification and refinement, as the budget allows) on one question.</summary>
internal static class SolveEndpoint
{
    /// <summary>What each field must be, for the errors of a body the deserializer refuses.</summary>
    public static IReadOnlyDictionary<string, string> Expected { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["question"] = "a string",
        ["return_traces"] = "true or false",
        ["seed"] = "a whole number in [-9223372036854775808, 9223372036854775807]",
    };

    public static async Task<IResult> HandleAsync(SolveRequest body, ServerState state, CancellationToken cancellationToken)
    {
        var question = ReadQuestion(body.Question, state, "question");
        var budget = state.Ceil(BudgetReader.Read(body.Budget, state.Options));
        var tools = ToolsReader.Read(body.Tools, state);
        state.FitTokens(state.FormatQuestion(question, tools: tools), "question", null, "max_tokens", truncate: true);
        var seed = body.Seed ?? ServerState.FreshSeed();

        var solution = await state.Solver(state.DefaultSampling with { Seed = unchecked((ulong)seed) }, state.Decoder(tools)).SolveAsync(question, budget, cancellationToken).ConfigureAwait(false);
        return state.Json(SolutionBody.From(solution, budget, body.ReturnTraces ?? false, seed) with
        {
            Tools = tools?.Names ?? "none",
            Id = "solve-" + Guid.NewGuid().ToString("N"),
            Object = "solve",
            Model = state.ModelId,
        });
    }

    /// <summary>Checks a question's presence and length.</summary>
    public static string ReadQuestion(string? text, ServerState state, string param)
    {
        if (text is null) throw ApiException.BadRequest($"'{param}' is required.", param, "missing_field");
        if (string.IsNullOrWhiteSpace(text)) throw ApiException.BadRequest($"'{param}' must not be empty.", param);
        if (text.Length > state.Options.MaxQuestionChars)
            throw ApiException.BadRequest($"'{param}' is {text.Length} characters; the limit is {state.Options.MaxQuestionChars}.", param, "too_long");
        return text.Trim();
    }
}
