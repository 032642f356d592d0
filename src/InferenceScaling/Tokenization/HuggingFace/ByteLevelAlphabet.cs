namespace InferenceScaling.Tokenization.HuggingFace;

/// <summary>GPT-2's byte ↔ char table: every byte as a printable char, so byte-level vocabularies are plain strings.</summary>
internal static class ByteLevelAlphabet
{
    /// <summary>Byte → char.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>Char → byte, -1 for chars outside the alphabet (indexed up to U+0143).</summary>
    public static readonly short[] CharToByte = Invert(ByteToChar);

    private static char[] Build()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static short[] Invert(char[] table)
    {
        var inverse = new short[324];
        Array.Fill(inverse, (short)-1);
        for (var b = 0; b < table.Length; b++) inverse[table[b]] = (short)b;
        return inverse;
    }
}
