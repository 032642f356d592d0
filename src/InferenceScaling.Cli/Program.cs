using System.CommandLine;
using InferenceScaling.Cli.Commands;

var root = new RootCommand("infscale: inference-time scaling (self-consistency, verification, refinement) on ONNX Runtime.");
root.Subcommands.Add(SolveCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(TrainDataCommand.Create());
root.Subcommands.Add(SkillsCommand.Create());
root.Subcommands.Add(EvalSetCommand.Create());
root.Subcommands.Add(GradeCommand.Create());
root.Subcommands.Add(SweepCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(EvalVerifyCommand.Create());
root.Subcommands.Add(PromptCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
var parsed = root.Parse(args);
// `serve` drains on SIGTERM for its own shutdown timeout (the web host handles the signal); the library's 2 s would cut it.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = parsed.CommandResult.Command.Name == "serve" ? null : TimeSpan.FromSeconds(2) };
return await parsed.InvokeAsync(invocation).ConfigureAwait(false);
