using System.Text.Json;
using InferenceScaling.Runtime;

namespace InferenceScaling.Tests.Runtime;

/// <summary>
/// A fixture set of models made from one set of weights (one folder each) and torch's reference outputs, its
/// <c>reference.json</c>, loaded once per test class.
/// </summary>
public abstract class ReferenceModelsFixture : IDisposable
{
    /// <summary>Loads each of <paramref name="names"/> from <paramref name="path"/>(name) and the reference from <paramref name="path"/>("reference.json").</summary>
    protected ReferenceModelsFixture(IEnumerable<string> names, Func<string, string> path)
    {
        foreach (var name in names) Models[name] = DecoderModel.Load(path(name), new DecoderModelOptions { IntraOpThreads = 1 });
        (Cases, MaxNewTokens) = ReadReference(path("reference.json"));
    }

    /// <summary>torch's reference cases and their new-token count from a fixture set's <c>reference.json</c>.</summary>
    /// <remarks>Without <paramref name="promptIds"/>, cases carry only prompts and greedy ids (empty prompt ids and logits).</remarks>
    internal static (IReadOnlyList<TinyModelFixture.ReferenceCase> Cases, int MaxNewTokens) ReadReference(string path, bool promptIds = true)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new TinyModelFixture.ReferenceCase(
            c.GetProperty("prompt").GetString()!,
            promptIds ? c.GetProperty("prompt_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray() : [],
            c.GetProperty("greedy_ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            promptIds ? c.GetProperty("last_logits").EnumerateArray().Select(x => x.GetSingle()).ToArray() : [])).ToList();
        return (cases, doc.RootElement.GetProperty("max_new_tokens").GetInt32());
    }

    public Dictionary<string, DecoderModel> Models { get; } = [];

    public IReadOnlyList<TinyModelFixture.ReferenceCase> Cases { get; }

    public int MaxNewTokens { get; }

    public void Dispose()
    {
        foreach (var m in Models.Values) m.Dispose();
        GC.SuppressFinalize(this);
    }
}
