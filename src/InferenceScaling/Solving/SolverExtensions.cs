using Microsoft.Extensions.AI;

namespace InferenceScaling.Solving;

/// <summary>Convenience methods on <see cref="ISolver"/>.</summary>
public static class SolverExtensions
{
    /// <summary>Starts a <see cref="SolverBuilder"/> around this solver.</summary>
    /// <param name="solver">The innermost solver.</param>
    /// <returns>The builder.</returns>
    public static SolverBuilder AsBuilder(this ISolver solver) => new(solver);

    /// <summary>Wraps this solver as an <see cref="IChatClient"/> (see <see cref="SelfConsistencyChatClient"/>).</summary>
    /// <param name="solver">The solver.</param>
    /// <param name="defaultBudget">Budget used when a request names none; default <see cref="Budget.Balanced"/>.</param>
    /// <returns>The chat client.</returns>
    public static IChatClient AsChatClient(this ISolver solver, Budget? defaultBudget = null) => new SelfConsistencyChatClient(solver, defaultBudget);
}
