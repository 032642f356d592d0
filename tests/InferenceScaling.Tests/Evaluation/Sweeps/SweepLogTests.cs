using System.Text;
using InferenceScaling.Evaluation;

namespace InferenceScaling.Tests.Evaluation;

public sealed class SweepLogTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("sweeplog-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name, SweepLog.FileName);

    [Fact]
    public async Task Resume_AfterAKillMidLine_GivesTheSameSummaryAsAnUninterruptedRun()
    {
        var records = SweepTestData.Records(40, seed: 5);

        var whole = PathOf("whole");
        await using (var log = SweepLog.Open(whole, resume: false))
        {
            foreach (var r in records) await log.AppendAsync(r);
        }

        var killed = PathOf("killed");
        await using (var log = SweepLog.Open(killed, resume: false))
        {
            foreach (var r in records.Take(17)) await log.AppendAsync(r);
        }

        // The kill: half of problem 17's line reached the file, without its newline.
        var torn = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(records[17]));
        await using (var file = new FileStream(killed, FileMode.Append))
        {
            await file.WriteAsync(torn.AsMemory(0, torn.Length / 2));
        }

        int skipped;
        await using (var log = SweepLog.Open(killed, resume: true))
        {
            Assert.Equal(17, log.Records.Count);
            Assert.Equal(torn.Length / 2, log.DiscardedBytes);
            skipped = 0;
            foreach (var r in records)
            {
                if (log.IsDone(r.ProblemId))
                {
                    skipped++;
                    continue;
                }

                await log.AppendAsync(r);
            }
        }

        Assert.Equal(17, skipped);
        var expected = SweepSummary.Compute(SweepLog.Read(whole)).ToCsv();
        var actual = SweepSummary.Compute(SweepLog.Read(killed)).ToCsv();
        Assert.Equal(expected, actual);
        Assert.Equal(await File.ReadAllTextAsync(whole), await File.ReadAllTextAsync(killed));
    }

    [Fact]
    public async Task Summary_DoesNotDependOnTheOrderProblemsFinished()
    {
        var records = SweepTestData.Records(30, seed: 8);
        var shuffled = records.ToArray();
        new Random(1).Shuffle(shuffled);

        Assert.Equal(SweepSummary.Compute(records).ToCsv(), SweepSummary.Compute(shuffled).ToCsv());
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Open_WithoutResume_RefusesToOverwriteResults()
    {
        var path = PathOf("existing");
        await using (var log = SweepLog.Open(path, resume: false))
        {
            await log.AppendAsync(SweepTestData.Records(1, seed: 1)[0]);
        }

        Assert.Throws<IOException>(() => SweepLog.Open(path, resume: false));
    }

    [Fact]
    public async Task Open_DamagedLineBeforeTheEnd_NamesFileAndLine()
    {
        var path = PathOf("damaged");
        await using (var log = SweepLog.Open(path, resume: false))
        {
            foreach (var r in SweepTestData.Records(3, seed: 2)) await log.AppendAsync(r);
        }

        var lines = await File.ReadAllLinesAsync(path);
        lines[1] = lines[1][..10];
        await File.WriteAllLinesAsync(path, lines);

        var ex = Assert.Throws<InvalidDataException>(() => SweepLog.Open(path, resume: true));
        Assert.Contains($"{SweepLog.FileName}:2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_WithResume_KeepsACompleteLastLine()
    {
        var path = PathOf("complete");
        await using (var log = SweepLog.Open(path, resume: false))
        {
            foreach (var r in SweepTestData.Records(4, seed: 3)) await log.AppendAsync(r);
        }

        await using var resumed = SweepLog.Open(path, resume: true);

        Assert.Equal(4, resumed.Records.Count);
        Assert.Equal(0, resumed.DiscardedBytes);
    }
}
