using System.Text.Json;
using InferenceScaling.Server;
using InferenceScaling.Templates;

namespace InferenceScaling.Tests.Server;

/// <summary>/v1/chat/completions keeps the whole conversation: the last user message is the question, the turns before it the history.</summary>
public sealed class ChatConversationTests
{
    private static ChatMessageBody Message(string role, string content) =>
        new() { Role = role, Content = JsonDocument.Parse(JsonSerializer.Serialize(content)).RootElement.Clone() };

    [Fact]
    public void Turns_before_the_last_user_message_are_the_history()
    {
        var (question, history) = ChatCompletionsEndpoint.ReadConversation(
        [
            Message("developer", "Be brief."), Message("user", "1+1?"), Message("assistant", "2"), Message("user", "2+2?"),
        ]);
        Assert.Equal("2+2?", question);
        Assert.Equal([ChatTurn.System("Be brief."), ChatTurn.User("1+1?"), ChatTurn.Assistant("2")], history);
    }

    [Fact]
    public void Lone_question_has_no_history()
    {
        var (question, history) = ChatCompletionsEndpoint.ReadConversation([Message("user", "2+2?")]);
        Assert.Equal(("2+2?", 0), (question, history.Count));
    }

    [Fact]
    public void Conversation_without_a_user_message_is_a_400_naming_messages()
    {
        var ex = Assert.Throws<ApiException>(() => ChatCompletionsEndpoint.ReadConversation([Message("system", "hi")]));
        Assert.Equal((400, "messages"), (ex.Status, ex.Param));
    }
}
