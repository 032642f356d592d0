using System.Text.Json;
using System.Text.Json.Serialization;

namespace InferenceScaling.Server;

/// <summary>
/// Source-generated JSON for every request and response of the service: snake_case names, unknown fields and
/// duplicate keys refused when reading, at most 32 levels of nesting. Non-finite numbers in a response are written as
/// strings rather than failing the response.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    MaxDepth = 32)]
[JsonSerializable(typeof(SolveRequest))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ContentPartBody))]
[JsonSerializable(typeof(SolutionBody))]
[JsonSerializable(typeof(ChatCompletionBody))]
[JsonSerializable(typeof(ChatChunkBody))]
[JsonSerializable(typeof(ChatChunkWithUsageBody))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(HealthBody))]
[JsonSerializable(typeof(ModelListBody))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(CompletionBody))]
[JsonSerializable(typeof(CompletionChunkBody))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
