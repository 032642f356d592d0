using System.Numerics;

namespace InferenceScaling.Answers;

/// <summary>One term <c>coefficient · √radicand · π^piPower</c> of an <see cref="ExactNumber"/>.</summary>
/// <param name="Coefficient">The rational factor, never zero inside an <see cref="ExactNumber"/>.</param>
/// <param name="Radicand">A square-free positive integer (1 for a rational term).</param>
/// <param name="PiPower">The power of π (0 for none).</param>
internal readonly record struct SurdTerm(Rational Coefficient, BigInteger Radicand, int PiPower);
