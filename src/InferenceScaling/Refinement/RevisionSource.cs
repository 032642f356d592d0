namespace InferenceScaling.Refinement;

/// <summary>Where a refinement round's revisions come from, by name (a prompt set's <c>checking.refinement.source</c>); the implementations are <see cref="IRevisionSource"/>s in <see cref="RevisionSources"/>.</summary>
public enum RevisionSource
{
    /// <summary>The prompt set's revise template (question, solution, critique): the model rewrites the solution. The default.</summary>
    RevisePrompt,

    /// <summary>
    /// The solve prompt continued from the current solution's steps before the one the critique calls wrong: the steps
    /// the critique passed are kept and the model solves on from there. Needs a prompt set with a
    /// <see cref="Prompts.PromptSet.StepPattern"/> and a critique that names the wrong step; otherwise the round falls
    /// back to the revise template. For a model whose solve skill is stronger than its fix skill (the shipped one).
    /// Implemented by InferenceScaling.Arith (registered when it loads).
    /// </summary>
    ContinueFromCheckedSteps,
}
