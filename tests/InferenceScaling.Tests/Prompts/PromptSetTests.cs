using InferenceScaling.Arith;
using InferenceScaling.Prompts;

namespace InferenceScaling.Tests.Prompts;

public sealed class PromptSetTests
{
    private static string Root => Path.Combine(RepoPaths.Root, "prompts");

    [Fact]
    public void ArithTemplates_RenderExactlyTheTrainingFormats()
    {
        var set = PromptSet.Load(Path.Combine(Root, "arith"));
        var generator = new ArithmeticProblemGenerator(5);
        for (var i = 0; i < 20; i++)
        {
            var p = generator.Next(ProblemDifficulty.Medium);
            var flawed = TaskFormat.FormatSolution(generator.PlantError(p, out _));
            var check = TaskFormat.FormatCheck(p.Steps, p.Steps, out _);
            Assert.Equal(TaskFormat.SolvePrompt(p.Question), set.Solve(p.Question));
            Assert.Equal(TaskFormat.CheckPrompt(p.Question, flawed), set.Critique(p.Question, flawed));
            Assert.Equal(TaskFormat.FixPrompt(p.Question, flawed, check), set.Revise(p.Question, flawed, check));
        }
    }

    [Fact]
    public void ArithVerdictPatterns_ReadTheCheckFormat()
    {
        var set = PromptSet.Load(Path.Combine(Root, "arith"));
        var m = set.VerdictWrong.Match("12+7=19 ok. 19*3=57 wrong. Verdict: wrong at step 2");
        Assert.True(m.Success);
        Assert.Equal("2", m.Groups[1].Value);
        Assert.Equal(TaskFormat.CorrectVerdict, set.VerdictCorrect);
        // The step words are the ones the training data's checks write.
        var check = TaskFormat.FormatCheck([new SolutionStep(12, ArithmeticOperator.Add, 7, 19)], [new SolutionStep(12, ArithmeticOperator.Add, 7, 20)], out _);
        Assert.Equal((" ok", " wrong"), set.StepJudgements);
        Assert.StartsWith("12+7=19" + set.StepJudgements!.Value.Wrong + ".", check);
    }

    [Fact]
    public void ChatSet_HasNoStepJudgements() => Assert.Null(PromptSet.Load(Path.Combine(Root, "chat")).StepJudgements);

    [Fact]
    public void StepOkWithoutStepWrong_IsNamed()
    {
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            foreach (var f in new[] { "s.txt", "c.txt", "r.txt" }) File.WriteAllText(Path.Combine(dir, f), "{question}");
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"), """{"solve":"s.txt","critique":"c.txt","revise":"r.txt","verdict_correct":"ok","verdict_wrong":"bad","step_ok":" ok"}""");
            var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(dir));
            Assert.Contains("step_wrong", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ChatSet_Loads()
    {
        var set = PromptSet.Load(Path.Combine(Root, "chat"));
        Assert.Contains("Problem: 2+2?", set.Solve("2+2?"));
        Assert.NotEmpty(set.StopStrings);
    }

    [Fact]
    public void MissingTemplate_IsNamed()
    {
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"), """{"solve":"nope.txt","critique":"c.txt","revise":"r.txt","verdict_correct":"ok","verdict_wrong":"bad"}""");
            var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(dir));
            Assert.Contains("nope.txt", ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("\"step_pattern\":\"\\\\d+[-+]\\\\d+=\\\\d+\",\"calc_prompt\":\"Calc: {expression}=\",\"calc_result\":\"{value}.\"", "no 'left' group")]
    [InlineData("\"calc_prompt\":\"Calc: {expression}=\",\"calc_result\":\"{value}.\"", "needs a step_pattern")]
    [InlineData("\"step_pattern\":\"x\",\"calc_prompt\":\"Calc: {expression}=\"", "calc_result")]
    [InlineData("\"step_pattern\":\"x\",\"calc_prompt\":\"Calc:\",\"calc_result\":\"{value}.\"", "{expression}")]
    public void CalcPrompt_ThatCannotCheckSteps_IsNamed(string fields, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("prompts-").FullName;
        try
        {
            foreach (var f in new[] { "s.txt", "c.txt", "r.txt" }) File.WriteAllText(Path.Combine(dir, f), "{question}");
            File.WriteAllText(Path.Combine(dir, "prompt-set.json"), "{\"solve\":\"s.txt\",\"critique\":\"c.txt\",\"revise\":\"r.txt\",\"verdict_correct\":\"ok\",\"verdict_wrong\":\"bad\"," + fields + "}");
            var ex = Assert.Throws<InvalidDataException>(() => PromptSet.Load(dir));
            Assert.Contains(expected, ex.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ArithSet_ChecksStepsWithTheDrillFormat()
    {
        var set = PromptSet.Load(Path.Combine(Root, "arith"));
        Assert.True(set.HasStepChecks);
        Assert.Equal("Calc: 46-36=", set.Calc("46-36"));
        Assert.Equal("10.", set.CalcResult("10"));
        var m = set.StepPattern!.Match("3-4=-1");
        Assert.Equal(("3", "-", "4", "-1"), (m.Groups["left"].Value, m.Groups["op"].Value, m.Groups["right"].Value, m.Groups["result"].Value));
    }
}

