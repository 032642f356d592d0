using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class ContaminationTests
{
    [Fact]
    public void Words_LowercasesStripsPunctuationAndSplitsOnWhitespace()
    {
        Assert.Equal(["toms", "box", "has", "1200", "apples"], Contamination.Words("Tom's box,  has\n1,200 APPLES!"));
    }

    [Fact]
    public void Check_FindsPlantedOverlaps()
    {
        var eval = EvalSet.Draw(seed: 100, count: 60).Problems;
        var training = EvalSet.Draw(seed: 200, count: 200).Problems.Select(p => $"Q: {p.Question}\nA:").ToList();
        // Planted: one question as a training prompt, one verbatim inside other text, one only its first 13 words.
        training.Add($"Q: {eval[5].Question}\nA:");
        training.Add("Some preamble. " + eval[17].Question.ToUpperInvariant() + " And more text after it.");
        training.Add(string.Join(' ', eval[33].Question.Split(' ').Take(13)) + " and then something else entirely");

        var report = Contamination.Check(training, eval);

        var hits = report.Hits.ToDictionary(h => h.Id);
        Assert.True(hits[eval[5].Id].ExactDuplicate);
        Assert.True(hits[eval[5].Id].FullyCovered);
        Assert.True(hits[eval[17].Id].FullyCovered);
        Assert.True(hits[eval[33].Id].OverlappingNGrams >= 1);
        Assert.Equal(string.Join(' ', Contamination.Words(eval[33].Question).Take(13)), hits[eval[33].Id].FirstNGram);
        // No problem that was not planted is a whole-question match.
        var planted = new HashSet<string> { eval[5].Id, eval[17].Id, eval[33].Id };
        Assert.All(report.Hits.Where(h => !planted.Contains(h.Id)), h => Assert.False(h.ExactDuplicate || h.FullyCovered, h.Id));
        Assert.StartsWith($"{report.Hits.Count} of 60 eval problems overlap", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DisjointDrawsShareNoWholeQuestion()
    {
        var eval = EvalSet.Draw(seed: 1, count: 300).Problems;
        var training = EvalSet.Draw(seed: 2, count: 3000).Problems.Select(p => $"Q: {p.Question}\nA:");

        var report = Contamination.Check(training, eval);

        // Templated questions can share 13-word runs when names and numbers coincide, so partial overlaps are
        // possible between disjoint draws; a whole question never is.
        Assert.DoesNotContain(report.Hits, h => h.ExactDuplicate || h.FullyCovered);
        Assert.Equal(3000, report.TrainingTexts);
    }

    [Fact]
    public void Check_UnrelatedTextHasNoOverlap()
    {
        var eval = EvalSet.Draw(seed: 3, count: 100).Problems;
        string[] training =
        [
            "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat by the fire.",
            "In 1905 Einstein published four papers that changed physics, including one on the photoelectric effect.",
        ];

        var report = Contamination.Check(training, eval);

        Assert.Empty(report.Hits);
    }

    [Fact]
    public async Task CheckFileAsync_ReadsTheUsualTrainingFieldsAndNamesBadLines()
    {
        var dir = Directory.CreateTempSubdirectory("contamination-");
        try
        {
            var eval = EvalSet.Draw(seed: 9, count: 10).Problems;
            var path = Path.Combine(dir.FullName, "train.jsonl");
            await File.WriteAllLinesAsync(path,
            [
                System.Text.Json.JsonSerializer.Serialize(new { prompt = $"Q: {eval[2].Question}\nA:", completion = " 1+1=2. Answer: 2" }),
                "",
                System.Text.Json.JsonSerializer.Serialize(new { text = eval[4].Question, other = eval[6].Question }),
            ]);

            var report = await Contamination.CheckFileAsync(path, eval);

            Assert.Equal([eval[2].Id, eval[4].Id], report.Hits.Select(h => h.Id));

            await File.AppendAllTextAsync(path, "{not json\n");
            var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Contamination.CheckFileAsync(path, eval));
            Assert.Contains("train.jsonl:4", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
