/**
 * Conversions between physical quantities of the UV model and the dimensionless
 * kernel state, and the quantities derived from them. docs/science.md derives
 * each formula; the names match the kernels and the UI.
 */
import type { Experiment } from './experiment.ts';

/** Scale constants of one experiment. */
export interface ModelScales {
  /** Output scale m = n^((1−s)/2). */
  m: number;
  /** ε = |x|²/m², the coupling of Δf into λ in the (Δf, λ) map. */
  epsilon: number;
  /** Flattest reachable minimum λ_min = 2|x||y|/m. */
  lambdaMin: number;
  /** Critical learning rate η_c = m/(|x||y|) = 2/λ_min; Infinity when y = 0. */
  etaCritical: number;
}

/** Physical state of one trajectory: network output and NTK eigenvalue. */
export interface PhysicalState {
  /** Network output f. */
  f: number;
  /** NTK eigenvalue λ = |∇_θ f|². */
  lambda: number;
}

/**
 * Dimensionless kernel state: P̂ = ηP/(4m²) and Q̂ = ηQ/(4m²), with P = |Ux + |x|v|²
 * and Q = |Ux − |x|v|². Both are ≥ 0 and ηλ = 2(P̂ + Q̂).
 */
export interface HatState {
  pHat: number;
  qHat: number;
}

/** Returns m, ε, λ_min and η_c for a width n, parameterization s, input norm and target. */
export function modelScales(width: number, parameterization: number, inputNorm: number, target: number): ModelScales {
  const m = width ** ((1 - parameterization) / 2);
  const lambdaMin = (2 * inputNorm * Math.abs(target)) / m;
  return {
    m,
    epsilon: (inputNorm * inputNorm) / (m * m),
    lambdaMin,
    etaCritical: lambdaMin === 0 ? Infinity : 2 / lambdaMin,
  };
}

/** Returns {@link modelScales} of an experiment. */
export function experimentScales(experiment: Experiment): ModelScales {
  return modelScales(experiment.width, experiment.parameterization, experiment.inputNorm, experiment.target);
}

/** Returns the dimensionless target ỹ = η|x|y/m, which equals η/η_c for y > 0. */
export function yTilde(experiment: Experiment): number {
  const { m } = experimentScales(experiment);
  return (experiment.learningRate * experiment.inputNorm * experiment.target) / m;
}

/** Returns the large-width initial NTK eigenvalue λ₀ = |x|²(σ_U² + σ_v²). */
export function typicalLambda0(experiment: Experiment): number {
  const x2 = experiment.inputNorm * experiment.inputNorm;
  return x2 * (experiment.sigmaU * experiment.sigmaU + experiment.sigmaV * experiment.sigmaV);
}

/** Returns the squared norms (P, Q) that give output f and NTK eigenvalue λ. */
export function normsFromPhysical(experiment: Experiment, state: PhysicalState): { P: number; Q: number } {
  const { m } = experimentScales(experiment);
  const sum = m * m * state.lambda; // (P + Q)/2
  const half = 2 * experiment.inputNorm * m * state.f; // (P − Q)/2
  return { P: sum + half, Q: sum - half };
}

/** Returns the output f = (P − Q)/(4|x|m) and NTK eigenvalue λ = (P + Q)/(2m²). */
export function physicalFromNorms(experiment: Experiment, P: number, Q: number): PhysicalState {
  const { m } = experimentScales(experiment);
  return { f: (P - Q) / (4 * experiment.inputNorm * m), lambda: (P + Q) / (2 * m * m) };
}

/** Converts (f, λ) to the dimensionless state (P̂, Q̂). */
export function hatFromPhysical(experiment: Experiment, state: PhysicalState): HatState {
  const { m } = experimentScales(experiment);
  const eta = experiment.learningRate;
  const halfSum = (eta * state.lambda) / 4;
  const halfDifference = (eta * experiment.inputNorm * state.f) / (2 * m);
  return { pHat: halfSum + halfDifference, qHat: halfSum - halfDifference };
}

/** Converts the dimensionless state (P̂, Q̂) back to (f, λ). */
export function physicalFromHat(experiment: Experiment, state: HatState): PhysicalState {
  const { m } = experimentScales(experiment);
  const eta = experiment.learningRate;
  return {
    f: (m * (state.pHat - state.qHat)) / (eta * experiment.inputNorm),
    lambda: (2 * (state.pHat + state.qHat)) / eta,
  };
}

/** Returns the residual Δf = f − y of a dimensionless state. */
export function residualFromHat(experiment: Experiment, state: HatState): number {
  return physicalFromHat(experiment, state).f - experiment.target;
}

/**
 * Returns the top eigenvalue λ_H of the loss Hessian H = JJᵀ + Δf∇²f:
 * λ_H = max(½[λ + √(λ² + 4εΔf(2f + Δf))], |x||Δf|/m).
 */
export function hessianSharpness(lambda: number, f: number, residual: number, scales: ModelScales): number {
  const discriminant = lambda * lambda + 4 * scales.epsilon * residual * (2 * f + residual);
  // The discriminant is ≥ 4ε(f + Δf)² ≥ 0 on the reachable wedge; the clamp only absorbs rounding.
  const top = 0.5 * (lambda + Math.sqrt(Math.max(0, discriminant)));
  return Math.max(top, Math.sqrt(scales.epsilon) * Math.abs(residual));
}

/**
 * Returns ηλ_H in the dimensionless variables: max(½[ηλ + √((ηλ)² + 4u(2w + u))], |u|),
 * with w = P̂ − Q̂ and u = w − ỹ.
 */
export function hessianSharpnessHat(state: HatState, yTildeValue: number): number {
  const etaLambda = 2 * (state.pHat + state.qHat);
  const w = state.pHat - state.qHat;
  const u = w - yTildeValue;
  const discriminant = etaLambda * etaLambda + 4 * u * (2 * w + u);
  return Math.max(0.5 * (etaLambda + Math.sqrt(Math.max(0, discriminant))), Math.abs(u));
}

/** Returns the loss L = ½Δf². */
export function loss(residual: number): number {
  return 0.5 * residual * residual;
}

/** Returns the dimensionless residual u = η|x|Δf/m = P̂ − Q̂ − ỹ. */
export function uFromHat(state: HatState, yTildeValue: number): number {
  return state.pHat - state.qHat - yTildeValue;
}
