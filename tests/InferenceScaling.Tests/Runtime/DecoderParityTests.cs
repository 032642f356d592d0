using InferenceScaling.Runtime;
using Microsoft.ML.OnnxRuntime;
using static InferenceScaling.Tests.Runtime.DecodeAssertions;

namespace InferenceScaling.Tests.Runtime;

public sealed class DecoderParityTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private DecoderModel Model => fixture.Model;

    [Fact]
    public void Signature_IsDiscoveredFromTheModel()
    {
        var sig = Model.Signature;
        Assert.Equal(2, sig.Layers);
        Assert.Equal(2, sig.KeyValueHeads); // grouped: 4 attention heads share 2 KV heads
        Assert.Equal(8, sig.HeadSize);
        Assert.Equal(4, sig.PastInputs.Count);
        Assert.Equal("past_key_values.1.value", sig.PastInputs[3]);
        Assert.Equal("present.0.key", sig.PresentOutputs[0]);
        Assert.Equal("position_ids", sig.PositionIds);
        Assert.Equal(96, sig.ContextLength);
        Assert.Contains(Model.Tokenizer.SpecialTokens["<|endoftext|>"], sig.EndOfSequenceIds);
    }

    [Fact]
    public void Tokenizer_EncodesPromptsAsTheTrainingScriptDid()
    {
        foreach (var c in fixture.Cases) Assert.Equal(c.PromptIds, Model.Tokenizer.Encode(c.Prompt));
    }

    [Fact]
    public void Tokenizer_MatchesThePythonBpeAndRoundTrips()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.TinyModel, "tokenizer_reference.json")));
        foreach (var c in doc.RootElement.EnumerateArray())
        {
            var text = c.GetProperty("text").GetString()!;
            var ids = Model.Tokenizer.Encode(text);
            Assert.Equal(c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()), ids);
            Assert.Equal(text, Model.Tokenizer.Decode(ids));
        }
    }

    [Fact]
    public void Prefill_LastLogitsMatchTorch()
    {
        var batch = new DecodeBatch(Model, 1, 64);
        using var ro = new RunOptions();
        foreach (var c in fixture.Cases)
        {
            var p = batch.Prefill(c.PromptIds, 512, ro);
            AssertClose(c.LastLogits, p.LastLogits, 1e-3f);
        }
    }

    [Fact]
    public Task Greedy_ReproducesTorchReferenceTokensExactly() =>
        AssertGreedyReproducesTorchAsync(Model, fixture.Cases, fixture.MaxNewTokens);

    [Fact]
    public void CachedDecode_GivesTheSameLogitsAsRecomputingTheWholeSequence() =>
        AssertCachedDecodeEqualsRecompute(Model, fixture.Cases[0].PromptIds, 8, 1e-4f, capacity: 64);

    [Fact]
    public void ChunkedPrefill_MatchesOnePass()
    {
        var prompt = fixture.Cases[0].PromptIds;
        using var ro = new RunOptions();
        var whole = new DecodeBatch(Model, 1, 64).Prefill(prompt, 512, ro);
        var chunked = new DecodeBatch(Model, 1, 64).Prefill(prompt, 5, ro);
        AssertClose(whole.LastLogits, chunked.LastLogits, 1e-4f);
    }

    [Fact]
    public void ForkedRows_GiveTheSameLogitsAsSeparatePrefills()
    {
        var prompt = fixture.Cases[1].PromptIds;
        using var ro = new RunOptions();
        var batch = new DecodeBatch(Model, 4, 64);
        batch.Admit(batch.Prefill(prompt, 512, ro), 4);
        int[] tokens = [5, 50, 100, 200];
        for (var r = 0; r < 4; r++) AssertClose(batch.LogitsOf(0).ToArray(), batch.LogitsOf(r).ToArray(), 0f);
        batch.Step(tokens, ro);
        for (var r = 0; r < 4; r++)
        {
            var alone = new DecodeBatch(Model, 1, 64).Prefill([.. prompt, tokens[r]], 512, ro);
            AssertClose(alone.LastLogits, batch.LogitsOf(r).ToArray(), 1e-4f);
        }
    }

    [Fact]
    public void MixedLengthBatch_GivesEachRowTheSameResultAsDecodingItAlone()
    {
        using var ro = new RunOptions();
        var prompts = fixture.Cases.Select(c => c.PromptIds).ToArray(); // lengths 12, 13, 9, 1
        var alone = prompts.Select(p => GreedyAlone(Model, p, 10, ro)).ToArray();

        var batch = new DecodeBatch(Model, 1, 8);
        // Admit shorter then longer prompts so both padding directions (pad the newcomer, re-pad the batch) run.
        foreach (var p in prompts.Reverse()) batch.Admit(batch.Prefill(p, 512, ro), 1);
        var rows = prompts.Reverse().ToArray();
        var produced = rows.Select(_ => new List<int>()).ToArray();
        for (var step = 0; step < 10; step++)
        {
            var next = new int[rows.Length];
            for (var r = 0; r < rows.Length; r++) produced[r].Add(next[r] = ArgMax(batch.LogitsOf(r)));
            batch.Step(next, ro);
        }

        for (var r = 0; r < rows.Length; r++)
        {
            var index = Array.IndexOf(prompts, rows[r]);
            Assert.Equal(alone[index], produced[r]);
        }
    }

    [Fact]
    public void RemovingRows_KeepsTheOthersExact()
    {
        using var ro = new RunOptions();
        var prompts = new[] { fixture.Cases[0].PromptIds, fixture.Cases[2].PromptIds, fixture.Cases[1].PromptIds };
        var expected = GreedyAlone(Model, prompts[1], 8, ro);
        var batch = new DecodeBatch(Model, 3, 32);
        foreach (var p in prompts) batch.Admit(batch.Prefill(p, 512, ro), 1);
        var produced = new List<int>();
        var rows = 3;
        for (var step = 0; step < 8; step++)
        {
            var next = new int[rows];
            for (var r = 0; r < rows; r++) next[r] = ArgMax(batch.LogitsOf(r));
            produced.Add(rows == 3 ? next[1] : next[0]);
            if (step == 2)
            {
                // Drop rows 0 and 2 (the longer prompts) mid-way: the remaining row's padding is trimmed.
                batch.Remove([false, true, false]);
                rows = 1;
                next = [next[1]];
            }

            batch.Step(next, ro);
        }

        Assert.Equal(expected, produced);
    }
}
