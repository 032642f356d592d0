using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace InferenceScaling.Server;

/// <summary>
/// Reads a request body into its typed request: the media type (415 unless JSON), a size-limited read under a
/// timeout (413, 408), then <see cref="ServerJsonContext"/>'s deserializer. Every failure becomes an
/// <see cref="ApiException"/> whose <c>param</c> is the request field as the client wrote it (<c>budget.samples</c>,
/// <c>messages[0].role</c>), never a .NET type or member name.
/// </summary>
internal static class RequestBody
{
    /// <summary>Reads and deserializes the body.</summary>
    /// <param name="context">The request.</param>
    /// <param name="type">The request type's metadata.</param>
    /// <param name="expected">What each field must be, by field path with indices as <c>[]</c>, for type errors.</param>
    /// <param name="maxBytes">Largest body accepted.</param>
    /// <param name="timeout">Longest time the whole body may take to arrive.</param>
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, IReadOnlyDictionary<string, string> expected, int maxBytes, TimeSpan timeout)
        where T : class
    {
        CheckMediaType(context.Request);
        var bytes = await ReadBytesAsync(context, maxBytes, timeout).ConfigureAwait(false);
        if (bytes.Length == 0) throw ApiException.BadRequest("The request body is empty; send a JSON object.", null, "invalid_json");
        T request;
        try
        {
            request = JsonSerializer.Deserialize(bytes.Span, type)
                ?? throw ApiException.BadRequest("The request body must be a JSON object, not null.", null, "invalid_json");
        }
        catch (JsonException ex)
        {
            throw ErrorFor(ex, bytes, expected);
        }

        // Fields kept as JSON (budget, stop, content, metadata) are not decoded by the deserializer: find text in them
        // that cannot become a string now, rather than when a handler reads it.
        if (MayHoldBadText(bytes.Span)) CheckText(bytes);
        return request;
    }

    /// <summary>Whether the body has bytes that are not UTF-8 or an escape of a surrogate (<c>\uD800</c>–<c>\uDFFF</c>).</summary>
    private static bool MayHoldBadText(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body)) return true;
        for (var i = 0; i + 2 < body.Length; i++)
        {
            if (body[i] != '\\') continue;
            if (body[i + 1] == 'u' && (body[i + 2] | 0x20) == 'd') return true;
            i++; // the escaped character (an escaped backslash starts no escape)
        }

        return false;
    }

    /// <summary>Throws a 400 naming the first string or field name that is not valid Unicode.</summary>
    private static void CheckText(ReadOnlyMemory<byte> bytes)
    {
        using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        if (FindUnreadable(document.RootElement, "") is { } at)
        {
            var param = at.Length == 0 ? null : at;
            throw ApiException.BadRequest($"{Where(param)} holds text that is not valid Unicode (a lone surrogate or bytes that are not UTF-8).", param, "invalid_encoding");
        }
    }

    /// <summary>The path of the first unreadable string or name under <paramref name="element"/>, or null.</summary>
    private static string? FindUnreadable(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsReadable(element) ? null : path;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    if (FindUnreadable(item, $"{path}[{i++}]") is { } found) return found;
                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return path;
                    }

                    if (FindUnreadable(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } found) return found;
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>415 unless the body is declared JSON (any <c>+json</c> type, UTF-8 if a charset is named).</summary>
    private static void CheckMediaType(HttpRequest request)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            && media.MediaType.HasValue
            && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.MediaType.Value.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
            return;
        var given = string.IsNullOrEmpty(request.ContentType) ? "none" : $"'{request.ContentType}'";
        throw new ApiException(415, $"The request body must be JSON: send 'Content-Type: application/json' (got {given}).", null, "unsupported_media_type");
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpContext context, int maxBytes, TimeSpan timeout)
    {
        if (context.Request.ContentLength is { } length && length > maxBytes)
            throw new ApiException(413, $"The request body is {length} bytes; the limit is {maxBytes}.", null, "request_too_large");
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;

        using var slow = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        slow.CancelAfter(timeout);
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, slow.Token).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > maxBytes) throw new ApiException(413, $"The request body is over the limit of {maxBytes} bytes.", null, "request_too_large");
            }
        }
        catch (OperationCanceledException) when (slow.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
        {
            // A client that trickles its body holds a connection, not a request slot (admission comes after the read).
            context.Response.Headers.Connection = "close";
            throw new ApiException(408, $"The request body did not arrive within {timeout.TotalSeconds:0.#} s.", null, "request_timeout");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiException(413, $"The request body is over the limit of {maxBytes} bytes.", null, "request_too_large");
        }
        catch (BadHttpRequestException ex)
        {
            // A malformed transfer (bad chunked framing, a body shorter than its Content-Length).
            context.Response.Headers.Connection = "close";
            throw ApiException.BadRequest("The request body could not be read: " + ex.Message, null, "invalid_body");
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>The error for a body the deserializer refused, found by looking at what the client sent at the failing path.</summary>
    private static ApiException ErrorFor(JsonException ex, ReadOnlyMemory<byte> bytes, IReadOnlyDictionary<string, string> expected)
    {
        var param = ParamOf(ex.Path);
        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span))
            return ApiException.BadRequest($"{Where(param)} holds bytes that are not valid UTF-8.", param, "invalid_encoding");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException syntax)
        {
            return ApiException.BadRequest($"The request body is not valid JSON: {Clean(syntax.Message)}", null, "invalid_json");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return ApiException.BadRequest($"The request body must be a JSON object, not {Describe(document.RootElement)}.", null, "invalid_json");
            if (ex.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
            {
                // Inside a field kept as JSON the path stops at that field; the message names the repeated key.
                var quoted = ex.Message.Split('\'') is { Length: >= 3 } parts ? parts[1] : null;
                var duplicate = quoted is null || param is null || param == quoted || param.EndsWith("." + quoted, StringComparison.Ordinal) ? param : $"{param}.{quoted}";
                return ApiException.BadRequest($"{Where(duplicate)} appears more than once.", duplicate, "duplicate_field");
            }
            if (ex.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
                return ApiException.BadRequest($"Unknown field '{param}'.", param, "unknown_field");
            if (param is null)
                return ApiException.BadRequest("The request body could not be read: a field name that is not valid Unicode.", null, "invalid_encoding");
            if (Find(document.RootElement, ex.Path) is not { } given)
                return ApiException.BadRequest($"{Where(param)} could not be read: a name or string that is not valid Unicode, or a value of the wrong type.", param, "invalid_value");
            if (given.ValueKind == JsonValueKind.String && !IsReadable(given))
                return ApiException.BadRequest($"{Where(param)} holds text that is not valid Unicode (a lone surrogate).", param, "invalid_encoding");
            var want = param is null ? null : expected.GetValueOrDefault(Shape(param));
            if (given.ValueKind == JsonValueKind.Number && want is not null && want.Contains("whole number", StringComparison.Ordinal))
                return ApiException.BadRequest($"'{param}' must be {want}; got {given.GetRawText()}.", param, "invalid_value");
            return ApiException.BadRequest($"'{param}' must be {want ?? "of another type"}, not {Describe(given)}.", param, "invalid_type");
        }
    }

    /// <summary>Whether a string value can be read as UTF-16 (a lone surrogate escape cannot).</summary>
    private static bool IsReadable(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A string value, or a 400 naming <paramref name="param"/> when it is not valid Unicode.</summary>
    public static string GetString(JsonElement value, string param)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw ApiException.BadRequest($"'{param}' holds text that is not valid Unicode (a lone surrogate).", param, "invalid_encoding");
        }
    }

    /// <summary><c>$.budget.samples</c> → <c>budget.samples</c>; <c>$['a b']</c> → <c>a b</c>; <c>$</c> → null.</summary>
    internal static string? ParamOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        var sb = new StringBuilder();
        foreach (var segment in Segments(path))
        {
            if (segment is int index) sb.Append('[').Append(index).Append(']');
            else
            {
                if (sb.Length > 0) sb.Append('.');
                sb.Append((string)segment);
            }
        }

        return sb.Length == 0 ? null : sb.ToString();
    }

    /// <summary><c>messages[3].content</c> → <c>messages[].content</c>: the key of <c>expected</c>.</summary>
    private static string Shape(string param)
    {
        var sb = new StringBuilder(param.Length);
        var inIndex = false;
        foreach (var c in param)
        {
            if (c == '[') { inIndex = true; sb.Append("[]"); continue; }
            if (c == ']') { inIndex = false; continue; }
            if (!inIndex) sb.Append(c);
        }

        return sb.ToString();
    }

    private static JsonElement? Find(JsonElement root, string? path)
    {
        if (string.IsNullOrEmpty(path)) return root;
        var at = root;
        foreach (var segment in Segments(path))
        {
            if (segment is int index)
            {
                if (at.ValueKind != JsonValueKind.Array || index >= at.GetArrayLength()) return null;
                at = at[index];
            }
            else if (at.ValueKind != JsonValueKind.Object || !at.TryGetProperty((string)segment, out at))
            {
                return null;
            }
        }

        return at;
    }

    /// <summary>The segments of an STJ path: names (strings) and array indices (ints).</summary>
    private static IEnumerable<object> Segments(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) yield break;
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index)) yield break;
                yield return index;
                i = end + 1;
            }
            else
            {
                yield break;
            }
        }
    }

    private static string Where(string? param) => param is null ? "The request body" : $"'{param}'";

    /// <summary>The reader's message without its "Path: … | LineNumber" tail, which repeats what the param says.</summary>
    private static string Clean(string message)
    {
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut];
    }

    public static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    public static ApiException WrongType(string param, string expected, JsonElement got) =>
        ApiException.BadRequest($"'{param}' must be {expected}, not {Describe(got)}.", param, "invalid_type");
}
