using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace InferenceScaling.Server;

/// <summary>
/// Reads request bodies by hand (a size-limited read, then <see cref="JsonDocument"/>) so every bad input maps to a
/// 400 that names the field, instead of model binding's generic failures.
/// </summary>
internal static class JsonRequest
{
    /// <summary>Reads the body as a JSON object, or throws <see cref="ApiException"/> (413 too large, 400 malformed).</summary>
    public static async Task<JsonElement> ReadObjectAsync(HttpContext context, int maxBytes)
    {
        if (context.Request.ContentLength is { } length && length > maxBytes)
            throw new ApiException(413, $"The request body is {length} bytes; the limit is {maxBytes}.", null, "request_too_large");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;

        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes) throw new ApiException(413, $"The request body is over the limit of {maxBytes} bytes.", null, "request_too_large");
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiException(413, $"The request body is over the limit of {maxBytes} bytes.", null, "request_too_large");
        }

        if (buffer.Length == 0) throw ApiException.BadRequest("The request body is empty; send a JSON object.", null, "invalid_json");
        try
        {
            using var doc = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 32 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw ApiException.BadRequest($"The request body must be a JSON object, not {Describe(doc.RootElement)}.", null, "invalid_json");
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"The request body is not valid JSON: {ex.Message}", null, "invalid_json");
        }
    }

    /// <summary>Throws for the first property not in <paramref name="known"/>.</summary>
    public static void RejectUnknown(JsonElement obj, string? prefix, params string[] known)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (Array.IndexOf(known, p.Name) >= 0) continue;
            var name = prefix is null ? p.Name : $"{prefix}.{p.Name}";
            throw ApiException.BadRequest($"Unknown field '{name}'. Known fields: {string.Join(", ", known)}.", name, "unknown_field");
        }
    }

    /// <summary>A property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Get(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public static string? String(JsonElement obj, string name, string param)
    {
        if (Get(obj, name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw WrongType(param, "a string", v);
    }

    public static bool? Bool(JsonElement obj, string name, string param)
    {
        if (Get(obj, name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(param, "true or false", v),
        };
    }

    public static double? Number(JsonElement obj, string name, string param, double min, double max, bool minExclusive = false)
    {
        if (Get(obj, name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d)) throw WrongType(param, "a number", v);
        if (d < min || d > max || (minExclusive && d == min))
            throw ApiException.BadRequest($"'{param}' must be in {(minExclusive ? "(" : "[")}{min}, {max}]; got {v.GetRawText()}.", param);
        return d;
    }

    public static long? Integer(JsonElement obj, string name, string param, long min, long max)
    {
        if (Get(obj, name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number) throw WrongType(param, "a whole number", v);
        if (!v.TryGetInt64(out var n)) throw ApiException.BadRequest($"'{param}' must be a whole number in [{min}, {max}]; got {v.GetRawText()}.", param);
        if (n < min || n > max) throw ApiException.BadRequest($"'{param}' must be in [{min}, {max}]; got {n}.", param);
        return n;
    }

    public static ApiException WrongType(string param, string expected, JsonElement got) =>
        ApiException.BadRequest($"'{param}' must be {expected}, not {Describe(got)}.", param, "invalid_type");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
