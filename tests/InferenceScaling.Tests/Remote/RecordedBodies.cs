namespace InferenceScaling.Tests.Remote;

/// <summary>
/// Stream chunks in the exact JSON vLLM and OpenAI write (field names and nesting as in vLLM's
/// <c>CompletionStreamResponse</c> and OpenAI's chat-completion chunk documentation), with small values.
/// </summary>
internal static class RecordedBodies
{
    /// <summary>vLLM /v1/completions, stream, logprobs 3, return_tokens_as_token_ids: "4+5=9" then end of sequence.</summary>
    public static readonly string[] VllmCompletion =
    [
        """{"id":"cmpl-5b1a","object":"text_completion","created":1733011200,"model":"fake-model","choices":[{"index":0,"text":"4+","logprobs":{"text_offset":[0,1],"token_logprobs":[-0.1,-0.5],"tokens":["token_id:14","token_id:3"],"top_logprobs":[{"token_id:14":-0.1,"token_id:15":-2.5,"token_id:13":-3.4},{"token_id:3":-0.5,"token_id:4":-1.0,"token_id:5":-3.0}]},"finish_reason":null,"stop_reason":null}],"usage":null}""",
        """{"id":"cmpl-5b1a","object":"text_completion","created":1733011200,"model":"fake-model","choices":[{"index":0,"text":"5=9","logprobs":{"text_offset":[2,3,4],"token_logprobs":[-0.2,-0.01,-1.5],"tokens":["token_id:15","token_id:9","token_id:19"],"top_logprobs":[{"token_id:15":-0.2,"token_id:16":-2.0,"token_id:14":-2.2},{"token_id:9":-0.01,"token_id:3":-5.0,"token_id:4":-6.0},{"token_id:18":-0.5,"token_id:19":-1.5,"token_id:17":-2.0,"token_id:20":-2.1}]},"finish_reason":null,"stop_reason":null}],"usage":null}""",
        """{"id":"cmpl-5b1a","object":"text_completion","created":1733011200,"model":"fake-model","choices":[{"index":0,"text":"","logprobs":{"text_offset":[],"token_logprobs":[],"tokens":[],"top_logprobs":[]},"finish_reason":"stop","stop_reason":null}],"usage":null}""",
        """{"id":"cmpl-5b1a","object":"text_completion","created":1733011200,"model":"fake-model","choices":[],"usage":{"prompt_tokens":12,"total_tokens":17,"completion_tokens":5}}""",
    ];

    /// <summary>OpenAI /v1/chat/completions, stream, logprobs true, top_logprobs 2: "Hello!" (the docs' example values).</summary>
    public static readonly string[] OpenAiChat =
    [
        """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}""",
        """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":{"content":[{"token":"Hello","logprob":-0.31725305,"bytes":[72,101,108,108,111],"top_logprobs":[{"token":"Hello","logprob":-0.31725305,"bytes":[72,101,108,108,111]},{"token":"Hi","logprob":-1.3190403,"bytes":[72,105]}]}],"refusal":null},"finish_reason":null}]}""",
        """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":"!"},"logprobs":{"content":[{"token":"!","logprob":-0.02380986,"bytes":[33],"top_logprobs":[{"token":"!","logprob":-0.02380986,"bytes":[33]},{"token":" there","logprob":-3.787621,"bytes":[32,116,104,101,114,101]}]}],"refusal":null},"finish_reason":null}]}""",
        """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]}""",
        """{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""",
    ];

    /// <summary>One vLLM completion chunk of one token, for streams built in tests.</summary>
    public static string VllmToken(int id, string text, float logProb, float second, string? finish = null, string? stopReason = null) =>
        $$"""{"id":"cmpl-1","object":"text_completion","created":1733011200,"model":"fake-model","choices":[{"index":0,"text":"{{text}}","logprobs":{"text_offset":[0],"token_logprobs":[{{logProb}}],"tokens":["token_id:{{id}}"],"top_logprobs":[{"token_id:{{id}}":{{logProb}},"token_id:{{id + 1}}":{{second}}}]},"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}},"stop_reason":{{(stopReason is null ? "null" : $"\"{stopReason}\"")}}}],"usage":null}""";

    /// <summary>vLLM's answer to an echo request (max_tokens 1, logprobs 1) for "Calc: 4+5=" + "9.": the first log-prob null.</summary>
    public const string VllmEcho =
        """{"id":"cmpl-echo","object":"text_completion","created":1733011200,"model":"fake-model","choices":[{"index":0,"text":"Calc: 4+5=9.\n","logprobs":{"text_offset":[0,4,5,7,8,9,10,11,12],"token_logprobs":[null,-0.3,-0.2,-0.4,-0.1,-0.05,-0.7,-0.02,-0.9],"tokens":["Calc",":"," 4","+","5","=","9",".","\n"],"top_logprobs":[null,{":":-0.3},{" 4":-0.2},{"+":-0.4},{"5":-0.1},{"=":-0.05},{"8":-0.6,"9":-0.7},{".":-0.02},{"\n":-0.9}]},"finish_reason":"length","stop_reason":null,"prompt_logprobs":null}],"usage":{"prompt_tokens":8,"total_tokens":9,"completion_tokens":1}}""";
}
