namespace InferenceScaling.Remote;

/// <summary>Which OpenAI-compatible route traces are sampled through.</summary>
public enum RemoteApi
{
    /// <summary><c>/v1/completions</c> (raw prompt) where the endpoint has it, else <c>/v1/chat/completions</c>.</summary>
    Auto,
    /// <summary>Always <c>/v1/completions</c>: the prompt is sent as written, so templates and step checks mean the same as locally.</summary>
    Completions,
    /// <summary>
    /// Always <c>/v1/chat/completions</c>: the prompt is sent as one user message, so the endpoint's chat template wraps
    /// it (hosted APIs without completions). Continuation scoring is not available on this route.
    /// </summary>
    ChatCompletions,
}
