/**
 * One gradient-descent step of the UV model, in the two exact reduced forms.
 * Both are float64 references for the WGSL kernels.
 */
import type { HatState } from './quantities.ts';

/** A 2×2 matrix in row-major order [a, b, c, d] = [[a, b], [c, d]]. */
export type Matrix2 = [number, number, number, number];

/**
 * Advances the dimensionless state one step: with u = P̂ − Q̂ − ỹ,
 * P̂ ← P̂(1 − u)² and Q̂ ← Q̂(1 + u)².
 */
export function stepHat(state: HatState, yTildeValue: number): HatState {
  const u = state.pHat - state.qHat - yTildeValue;
  const down = 1 - u;
  const up = 1 + u;
  return { pHat: state.pHat * down * down, qHat: state.qHat * up * up };
}

/**
 * Returns the Jacobian ∂(P̂', Q̂')/∂(P̂, Q̂) of {@link stepHat} at `state`:
 * [[(1−u)² − 2P̂(1−u), 2P̂(1−u)], [2Q̂(1+u), (1+u)² − 2Q̂(1+u)]].
 */
export function jacobianHat(state: HatState, yTildeValue: number): Matrix2 {
  const u = state.pHat - state.qHat - yTildeValue;
  const down = 1 - u;
  const up = 1 + u;
  return [
    down * down - 2 * state.pHat * down,
    2 * state.pHat * down,
    2 * state.qHat * up,
    up * up - 2 * state.qHat * up,
  ];
}

/** State of the (Δf, λ) form of the map. */
export interface ResidualState {
  /** Residual Δf = f − y. */
  residual: number;
  /** NTK eigenvalue λ. */
  lambda: number;
}

/** Constants of the (Δf, λ) map. */
export interface ResidualMapParameters {
  /** Learning rate η. */
  learningRate: number;
  /** ε = |x|²/m². */
  epsilon: number;
  /** Target y. */
  target: number;
}

/**
 * Advances (Δf, λ) one step, with f = Δf + y:
 * Δf ← Δf(1 − ηλ + η²εΔf f) and λ ← λ + ηεΔf(ηλΔf − 4f).
 */
export function stepResidual(state: ResidualState, parameters: ResidualMapParameters): ResidualState {
  const { learningRate: eta, epsilon, target } = parameters;
  const { residual, lambda } = state;
  const f = residual + target;
  return {
    residual: residual * (1 - eta * lambda + eta * eta * epsilon * residual * f),
    lambda: lambda + eta * epsilon * residual * (eta * lambda * residual - 4 * f),
  };
}

/** Returns the Jacobian ∂(Δf', λ')/∂(Δf, λ) of {@link stepResidual}. */
export function jacobianResidual(state: ResidualState, parameters: ResidualMapParameters): Matrix2 {
  const { learningRate: eta, epsilon, target } = parameters;
  const { residual, lambda } = state;
  const f = residual + target;
  const eta2eps = eta * eta * epsilon;
  return [
    1 - eta * lambda + eta2eps * (2 * residual * f + residual * residual),
    -eta * residual,
    eta * epsilon * (2 * eta * lambda * residual - 4 * f - 4 * residual),
    1 + eta2eps * residual * residual,
  ];
}
