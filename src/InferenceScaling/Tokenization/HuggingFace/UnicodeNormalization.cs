using System.Globalization;
using System.Text;

namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>
/// Unicode normalization (NFC, NFD, NFKC, NFKD, UAX #15) from the tables in <see cref="UnicodeNormalizationData"/>:
/// the apps run with InvariantGlobalization, where <see cref="string.Normalize(NormalizationForm)"/> returns its
/// input unchanged.
/// </summary>
/// <remarks>Thread-safe; the tables load on first use.</remarks>
internal static class UnicodeNormalization
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<Tables> Data = new(Tables.Parse);

    /// <summary>Normalizes <paramref name="text"/> to <paramref name="form"/>.</summary>
    public static string Normalize(string text, NormalizationForm form)
    {
        // Below U+00A0 nothing decomposes or composes; below U+0300 everything is already NFC.
        var limit = form == NormalizationForm.FormC ? 0x300 : 0xA0;
        var simple = true;
        foreach (var c in text) if (c >= limit) { simple = false; break; }
        if (simple) return text;

        var tables = Data.Value;
        var compat = form is NormalizationForm.FormKC or NormalizationForm.FormKD;
        var cps = new List<int>(text.Length + 4);
        foreach (var rune in text.EnumerateRunes()) Decompose(rune.Value, compat, tables, cps);
        Reorder(cps, tables);
        if (form is NormalizationForm.FormC or NormalizationForm.FormKC) Compose(cps, tables);
        var sb = new StringBuilder(cps.Count);
        foreach (var cp in cps) sb.Append(new Rune(cp).ToString());
        return sb.ToString();
    }

    private static void Decompose(int cp, bool compat, Tables tables, List<int> output)
    {
        var s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }

        // K lines exist only where the compatibility decomposition differs from the canonical one.
        if (compat && tables.Compatibility.TryGetValue(cp, out var k)) output.AddRange(k);
        else if (tables.Canonical.TryGetValue(cp, out var d)) output.AddRange(d);
        else output.Add(cp);
    }

    /// <summary>Canonical ordering: each run of non-starters stably sorted by combining class.</summary>
    private static void Reorder(List<int> cps, Tables tables)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var c = tables.Class(cps[i]);
            if (c == 0) continue;
            for (var j = i; j > 0; j--)
            {
                var p = tables.Class(cps[j - 1]);
                if (p <= c) break;
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
            }
        }
    }

    private static void Compose(List<int> cps, Tables tables)
    {
        if (cps.Count == 0) return;
        var output = new List<int>(cps.Count);
        var starter = tables.Class(cps[0]) == 0 ? 0 : -1;
        var lastClass = starter == 0 ? 0 : 256;
        output.Add(cps[0]);
        for (var i = 1; i < cps.Count; i++)
        {
            var ch = cps[i];
            var chClass = tables.Class(ch);
            if (starter >= 0 && (lastClass < chClass || lastClass == 0) && TryCompose(output[starter], ch, tables, out var composite))
            {
                output[starter] = composite;
                continue;
            }

            if (chClass == 0) starter = output.Count;
            lastClass = chClass;
            output.Add(ch);
        }

        cps.Clear();
        cps.AddRange(output);
    }

    private static bool TryCompose(int first, int second, Tables tables, out int composite)
    {
        var l = first - LBase;
        if (l is >= 0 and < LCount && second - VBase is >= 0 and < VCount)
        {
            composite = SBase + (l * VCount + (second - VBase)) * TCount;
            return true;
        }

        var s = first - SBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && second - TBase is > 0 and < TCount)
        {
            composite = first + (second - TBase);
            return true;
        }

        return tables.Pairs.TryGetValue(((long)first << 21) | (uint)second, out composite);
    }

    private sealed class Tables
    {
        public Dictionary<int, int[]> Canonical { get; } = [];

        public Dictionary<int, int[]> Compatibility { get; } = [];

        public Dictionary<int, byte> Classes { get; } = [];

        public Dictionary<long, int> Pairs { get; } = [];

        public int Class(int cp) => cp < 0x300 ? 0 : Classes.TryGetValue(cp, out var c) ? c : 0;

        public static Tables Parse()
        {
            var t = new Tables();
            foreach (var line in UnicodeNormalizationData.Lines.Split('\n'))
            {
                var f = line.Split(' ');
                if (f.Length < 3) continue;
                var cp = Hex(f[1]);
                switch (f[0])
                {
                    case "D": t.Canonical[cp] = [.. f.Skip(2).Select(Hex)]; break;
                    case "K": t.Compatibility[cp] = [.. f.Skip(2).Select(Hex)]; break;
                    case "C": t.Classes[cp] = byte.Parse(f[2], CultureInfo.InvariantCulture); break;
                    case "P": t.Pairs[((long)cp << 21) | (uint)Hex(f[2])] = Hex(f[3]); break;
                }
            }

            return t;
        }

        private static int Hex(string s) => int.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }
}
