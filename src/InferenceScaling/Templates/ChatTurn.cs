namespace InferenceScaling.Templates;

/// <summary>One message of a conversation as chat templates see it: <c>{"role": ..., "content": ...}</c>.</summary>
/// <param name="Role"><c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c> (templates decide which they accept).</param>
/// <param name="Content">The message text.</param>
public sealed record ChatTurn(string Role, string Content)
{
    /// <summary>A system message.</summary>
    public static ChatTurn System(string content) => new("system", content);

    /// <summary>A user message.</summary>
    public static ChatTurn User(string content) => new("user", content);

    /// <summary>An assistant message.</summary>
    public static ChatTurn Assistant(string content) => new("assistant", content);
}
