namespace InferenceScaling.Sampling;

/// <summary>One tool call made while a trace was decoded: what the model asked, what the tool wrote back, and where.</summary>
/// <param name="Tool">The tool's name (e.g. <c>calculator</c>).</param>
/// <param name="Expression">The argument the trigger read from the trace (e.g. <c>521+9</c>).</param>
/// <param name="Result">The tool's answer (a value, or its error text when <paramref name="IsError"/>).</param>
/// <param name="Position">Index in <see cref="Trace.TokenIds"/> of the first injected token.</param>
/// <param name="InjectedTokens">How many tokens the call injected.</param>
/// <param name="IsError">Whether the tool refused the expression (its error text was injected instead of a value).</param>
public sealed record ToolCall(string Tool, string Expression, string Result, int Position, int InjectedTokens, bool IsError);
