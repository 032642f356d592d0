using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>A tokenizer.json decoder: turns token strings back into text (Hugging Face's <c>decode_chain</c>).</summary>
internal abstract class DecoderStep
{
    private const string Supported = "ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence";

    /// <summary>Rewrites the token strings in place; a step may join them into fewer strings.</summary>
    public abstract void Decode(List<string> tokens);

    /// <exception cref="Runtime.ModelLoadException">A decoder this loader does not implement; the message names it.</exception>
    public static DecoderStep? From(JsonElement e, string path)
    {
        if (Json.IsNull(e)) return null;
        var type = Json.Type(e);
        return type switch
        {
            "ByteLevel" => new ByteLevel(),
            "Metaspace" => new Metaspace(PreTokenizerStep.Replacement(e), PreTokenizerStep.PrependScheme(e, path) != "never"),
            "ByteFallback" => new ByteFallback(),
            "Fuse" => new Fuse(),
            "Strip" => new Strip(Json.String(e, "content") is { Length: > 0 } c ? c[0] : ' ', Json.Int(e, "start", 0), Json.Int(e, "stop", 0)),
            "Replace" => new Replace(Json.Pattern(e, path, "decoder Replace"), Json.String(e, "content") ?? ""),
            "Sequence" => new SequenceStep([.. Json.Array(e, "decoders", path, "decoder Sequence").Select(d => From(d, path)).OfType<DecoderStep>()]),
            _ => throw Json.Unsupported(path, "decoder", type, Supported),
        };
    }

    /// <summary>GPT-2's byte alphabet back to bytes, then UTF-8 (invalid bytes become U+FFFD).</summary>
    private sealed class ByteLevel : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            var bytes = new List<byte>();
            Span<byte> utf8 = stackalloc byte[4];
            foreach (var t in tokens)
            {
                var inAlphabet = true;
                foreach (var c in t) if (c >= ByteLevelAlphabet.CharToByte.Length || ByteLevelAlphabet.CharToByte[c] < 0) { inAlphabet = false; break; }
                if (inAlphabet) foreach (var c in t) bytes.Add((byte)ByteLevelAlphabet.CharToByte[c]);
                else bytes.AddRange(Encoding.UTF8.GetBytes(t));
            }

            tokens.Clear();
            tokens.Add(Encoding.UTF8.GetString(bytes.ToArray()));
        }
    }

    private sealed class Metaspace(char replacement, bool stripFirst) : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i].Replace(replacement, ' ');
                if (i == 0 && stripFirst && t.StartsWith(' ')) t = t[1..];
                tokens[i] = t;
            }
        }
    }

    /// <summary>Runs of <c>&lt;0xXX&gt;</c> tokens back to the UTF-8 text they spell (U+FFFD per byte when they spell none).</summary>
    private sealed class ByteFallback : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            var result = new List<string>(tokens.Count);
            var run = new List<byte>();
            foreach (var t in tokens)
            {
                if (t.Length == 6 && t.StartsWith("<0x", StringComparison.Ordinal) && t[5] == '>'
                    && byte.TryParse(t.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    run.Add(b);
                    continue;
                }

                Flush();
                result.Add(t);
            }

            Flush();
            tokens.Clear();
            tokens.AddRange(result);

            void Flush()
            {
                if (run.Count == 0) return;
                try { result.Add(Strict.GetString(run.ToArray())); }
                catch (DecoderFallbackException) { result.Add(new string('\uFFFD', run.Count)); }
                run.Clear();
            }
        }

        private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
    }

    private sealed class Fuse : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            var all = string.Concat(tokens);
            tokens.Clear();
            tokens.Add(all);
        }
    }

    private sealed class Strip(char content, int start, int stop) : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                var t = tokens[i];
                var a = 0;
                while (a < start && a < t.Length && t[a] == content) a++;
                var b = t.Length;
                while (t.Length - b < stop && b > a && t[b - 1] == content) b--;
                tokens[i] = t[a..b];
            }
        }
    }

    private sealed class Replace(Regex pattern, string content) : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            for (var i = 0; i < tokens.Count; i++) tokens[i] = pattern.Replace(tokens[i], content);
        }
    }

    private sealed class SequenceStep(DecoderStep[] steps) : DecoderStep
    {
        public override void Decode(List<string> tokens)
        {
            foreach (var s in steps) s.Decode(tokens);
        }
    }
}
