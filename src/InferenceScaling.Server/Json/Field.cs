namespace InferenceScaling.Server;

/// <summary>Range checks of typed request fields; each failure is a 400 naming the field.</summary>
internal static class Field
{
    /// <summary>The number, checked to be finite and in range; null when absent.</summary>
    public static double? Number(double? value, string param, double min, double max, bool minExclusive = false)
    {
        if (value is not { } d) return null;
        if (!double.IsFinite(d) || d < min || d > max || (minExclusive && d == min))
            throw ApiException.BadRequest($"'{param}' must be a number in {(minExclusive ? "(" : "[")}{min}, {max}]; got {d}.", param);
        return d;
    }

    /// <summary>The whole number, checked to be in range; null when absent.</summary>
    public static long? Integer(long? value, string param, long min, long max)
    {
        if (value is not { } n) return null;
        if (n < min || n > max) throw ApiException.BadRequest($"'{param}' must be a whole number in [{min}, {max}]; got {n}.", param);
        return n;
    }

    /// <summary>The string, or a 400 when it is required and absent.</summary>
    public static string Required(string? value, string param) =>
        value ?? throw ApiException.BadRequest($"'{param}' is required.", param, "missing_field");
}
