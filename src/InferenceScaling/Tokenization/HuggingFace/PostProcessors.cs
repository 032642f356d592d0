using System.Text.Json;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>A tokenizer.json post-processor: adds the special tokens (BOS, EOS, CLS/SEP) around an encoded text.</summary>
internal abstract class PostProcessorStep
{
    private const string Supported = "TemplateProcessing, ByteLevel, BertProcessing, RobertaProcessing, Sequence";

    /// <summary>Rewrites a single sequence's encoding; special tokens get the empty range at their side.</summary>
    public abstract void Process(List<EncodedPiece> tokens, int textLength);

    /// <exception cref="Runtime.ModelLoadException">A post-processor this loader does not implement, or one naming unknown tokens.</exception>
    public static PostProcessorStep? From(JsonElement e, string path)
    {
        if (Json.IsNull(e)) return null;
        var type = Json.Type(e);
        return type switch
        {
            "TemplateProcessing" => ReadTemplate(e, path),
            "ByteLevel" => null, // it only trims offsets
            "BertProcessing" or "RobertaProcessing" => new Surround(Pair(e, "cls", path), Pair(e, "sep", path)),
            "Sequence" => new SequenceStep([.. Json.Array(e, "processors", path, "post-processor Sequence")
                .Select(p => From(p, path)).OfType<PostProcessorStep>()]),
            _ => throw Json.Unsupported(path, "post-processor", type, Supported),
        };
    }

    private static int Pair(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 2 && p[1].ValueKind == JsonValueKind.Number
            ? p[1].GetInt32()
            : throw new Runtime.ModelLoadException($"{path}: post-processor {Json.Type(e)} has no '{name}' [token, id] pair.");

    private static Template ReadTemplate(JsonElement e, string path)
    {
        var specials = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (e.TryGetProperty("special_tokens", out var st) && st.ValueKind == JsonValueKind.Object)
            foreach (var p in st.EnumerateObject())
                specials[p.Name] = [.. Json.Array(p.Value, "ids", path, $"TemplateProcessing special token '{p.Name}'").Select(x => x.GetInt32())];

        var items = new List<int[]?>();
        foreach (var item in Json.Array(e, "single", path, "post-processor TemplateProcessing"))
        {
            if (item.TryGetProperty("Sequence", out _)) items.Add(null);
            else if (item.TryGetProperty("SpecialToken", out var s) && Json.String(s, "id") is { } name)
                items.Add(specials.TryGetValue(name, out var ids) ? ids : throw new Runtime.ModelLoadException($"{path}: TemplateProcessing names special token '{name}' but does not list its ids."));
            else throw new Runtime.ModelLoadException($"{path}: TemplateProcessing has an item that is neither Sequence nor SpecialToken.");
        }

        return new Template([.. items]);
    }

    /// <summary>TemplateProcessing's <c>single</c> template: special ids around the sequence (null marks where it goes).</summary>
    private sealed class Template(int[]?[] items) : PostProcessorStep
    {
        /// <summary>Ids the template puts first, before the text (the BOS it adds).</summary>
        public override void Process(List<EncodedPiece> tokens, int textLength)
        {
            var result = new List<EncodedPiece>(tokens.Count + 4);
            var seen = false;
            foreach (var item in items)
            {
                if (item is null)
                {
                    result.AddRange(tokens);
                    seen = true;
                }
                else
                {
                    var at = seen ? textLength : 0;
                    foreach (var id in item) result.Add(new EncodedPiece(id, at, at));
                }
            }

            tokens.Clear();
            tokens.AddRange(result);
        }
    }

    private sealed class Surround(int cls, int sep) : PostProcessorStep
    {
        public override void Process(List<EncodedPiece> tokens, int textLength)
        {
            tokens.Insert(0, new EncodedPiece(cls, 0, 0));
            tokens.Add(new EncodedPiece(sep, textLength, textLength));
        }
    }

    private sealed class SequenceStep(PostProcessorStep[] steps) : PostProcessorStep
    {
        public override void Process(List<EncodedPiece> tokens, int textLength)
        {
            foreach (var s in steps) s.Process(tokens, textLength);
        }
    }
}
