/**
 * Fixed points, nullclines, the one-step vector field and the EoS manifold of
 * the (Δf, λ) map of one experiment: the geometry drawn in the phase plane.
 */
import type { Experiment } from './experiment.ts';
import { jacobianHat, stepResidual, type Matrix2, type ResidualMapParameters } from './map.ts';
import { experimentScales, hatFromPhysical, yTilde } from './quantities.ts';

/** Stability of a fixed point from the moduli of its Jacobian's eigenvalues. */
export type Stability = 'stable' | 'unstable' | 'saddle' | 'neutral';

/** One isolated fixed point in the (Δf, λ) plane. */
export interface FixedPoint {
  name: 'saddle-plus' | 'saddle-minus' | 'origin';
  residual: number;
  lambda: number;
  /** Eigenvalues of the Jacobian as [re, im] pairs. */
  eigenvalues: [[number, number], [number, number]];
  stability: Stability;
  /** Whether any weights reach the point: λ ≥ 2|x||f|/m. */
  reachable: boolean;
}

/** Fixed-point structure of one experiment. */
export interface FixedPointAnalysis {
  /** Every reachable minimum: Δf = 0 and λ ≥ λ_min. Eigenvalues 1 − ηλ and 1. */
  minima: {
    lambdaMin: number;
    /** Minima with λ < 2/η (the stability bound) are stable; none is when λ_min ≥ 2/η, that is η ≥ η_c. */
    lambdaStableBound: number;
    hasStableMinimum: boolean;
  };
  /** The two saddles Δf = ±2m/(η|x|), λ = 4/η ± 2|x|y/m, and the origin (all weights zero). */
  points: FixedPoint[];
}

/** Returns the constants of the (Δf, λ) map of an experiment. */
export function residualMapParameters(experiment: Experiment): ResidualMapParameters {
  return {
    learningRate: experiment.learningRate,
    epsilon: experimentScales(experiment).epsilon,
    target: experiment.target,
  };
}

/** Returns the eigenvalues of a 2×2 matrix as [re, im] pairs, larger modulus first. */
export function eigenvalues2(matrix: Matrix2): [[number, number], [number, number]] {
  const [a, b, c, d] = matrix;
  const halfTrace = (a + d) / 2;
  const determinant = a * d - b * c;
  const discriminant = halfTrace * halfTrace - determinant;
  if (discriminant >= 0) {
    const root = Math.sqrt(discriminant);
    const first = halfTrace + Math.sign(halfTrace || 1) * root;
    // The second root from the determinant avoids cancellation.
    const second = first === 0 ? 0 : determinant / first;
    return Math.abs(first) >= Math.abs(second) ? [[first, 0], [second, 0]] : [[second, 0], [first, 0]];
  }
  const imaginary = Math.sqrt(-discriminant);
  return [
    [halfTrace, imaginary],
    [halfTrace, -imaginary],
  ];
}

function classifyStability(eigenvalues: [[number, number], [number, number]]): Stability {
  const moduli = eigenvalues.map(([re, im]) => Math.hypot(re, im));
  const tolerance = 1e-12;
  if (moduli.some((modulus) => Math.abs(modulus - 1) <= tolerance)) {
    return 'neutral';
  }
  const inside = moduli.filter((modulus) => modulus < 1).length;
  if (inside === 2) {
    return 'stable';
  }
  return inside === 0 ? 'unstable' : 'saddle';
}

/** Returns whether (Δf, λ) lies in the reachable wedge λ ≥ 2|x||Δf + y|/m (with a relative slack of 1e-12). */
export function isReachable(experiment: Experiment, residual: number, lambda: number): boolean {
  const { m } = experimentScales(experiment);
  const bound = (2 * experiment.inputNorm * Math.abs(residual + experiment.target)) / m;
  return lambda >= bound * (1 - 1e-12);
}

/** Finds the fixed points of an experiment and their stability. */
export function analyzeFixedPoints(experiment: Experiment): FixedPointAnalysis {
  const { m, lambdaMin } = experimentScales(experiment);
  const eta = experiment.learningRate;
  const x = experiment.inputNorm;
  const y = experiment.target;
  const yTildeValue = yTilde(experiment);
  const lambdaStableBound = 2 / eta;

  const candidates: Array<Pick<FixedPoint, 'name' | 'residual' | 'lambda'>> = [
    { name: 'saddle-plus', residual: (2 * m) / (eta * x), lambda: 4 / eta + (2 * x * y) / m },
    { name: 'saddle-minus', residual: (-2 * m) / (eta * x), lambda: 4 / eta - (2 * x * y) / m },
    { name: 'origin', residual: -y, lambda: 0 },
  ];
  const points = candidates.map((candidate): FixedPoint => {
    // Eigenvalues do not depend on the coordinates, and (P̂, Q̂) is an affine image of (Δf, λ).
    const hat = hatFromPhysical(experiment, { f: candidate.residual + y, lambda: candidate.lambda });
    const eigenvalues = eigenvalues2(jacobianHat(hat, yTildeValue));
    return {
      ...candidate,
      eigenvalues,
      stability: classifyStability(eigenvalues),
      reachable: isReachable(experiment, candidate.residual, candidate.lambda),
    };
  });

  return {
    minima: { lambdaMin, lambdaStableBound, hasStableMinimum: lambdaMin < lambdaStableBound },
    points,
  };
}

/**
 * Returns λ on the Δf-nullcline (Δf' = Δf) away from Δf = 0: λ = ηεΔf(Δf + y).
 * The line Δf = 0 is the other branch.
 */
export function residualNullcline(experiment: Experiment, residual: number): number {
  const { epsilon } = experimentScales(experiment);
  return experiment.learningRate * epsilon * residual * (residual + experiment.target);
}

/**
 * Returns λ on the λ-nullcline (λ' = λ) away from Δf = 0: λ = 4(Δf + y)/(ηΔf).
 * The line Δf = 0 is the other branch.
 */
export function lambdaNullcline(experiment: Experiment, residual: number): number {
  return (4 * (residual + experiment.target)) / (experiment.learningRate * residual);
}

/**
 * Returns λ on the EoS manifold q = 0: λ = 2|x|(Δf + y)/m. It is invariant under the
 * map for every η. Its mirror p = 0 is λ = −2|x|(Δf + y)/m; together they bound the wedge.
 */
export function eosManifold(experiment: Experiment, residual: number): number {
  const { m } = experimentScales(experiment);
  return (2 * experiment.inputNorm * (residual + experiment.target)) / m;
}

/** One step displacement at each node of a regular (Δf, λ) grid. */
export interface VectorField {
  /** Nodes along Δf, left to right. */
  residuals: Float64Array;
  /** Nodes along λ, bottom to top. */
  lambdas: Float64Array;
  /** Δf' − Δf at node (i, j), stored at j·columns + i; NaN outside the reachable wedge. */
  residualDisplacement: Float64Array;
  /** λ' − λ at node (i, j), stored at j·columns + i; NaN outside the reachable wedge. */
  lambdaDisplacement: Float64Array;
}

/** Samples the one-step displacement of the (Δf, λ) map on a columns × rows grid. */
export function vectorField(
  experiment: Experiment,
  residualRange: [number, number],
  lambdaRange: [number, number],
  columns: number,
  rows: number,
): VectorField {
  const parameters = residualMapParameters(experiment);
  const residuals = linspace(residualRange[0], residualRange[1], columns);
  const lambdas = linspace(lambdaRange[0], lambdaRange[1], rows);
  const residualDisplacement = new Float64Array(columns * rows);
  const lambdaDisplacement = new Float64Array(columns * rows);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const residual = residuals[i]!;
      const lambda = lambdas[j]!;
      const index = j * columns + i;
      if (!isReachable(experiment, residual, lambda)) {
        residualDisplacement[index] = NaN;
        lambdaDisplacement[index] = NaN;
        continue;
      }
      const next = stepResidual({ residual, lambda }, parameters);
      residualDisplacement[index] = next.residual - residual;
      lambdaDisplacement[index] = next.lambda - lambda;
    }
  }
  return { residuals, lambdas, residualDisplacement, lambdaDisplacement };
}

function linspace(start: number, end: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = count === 1 ? start : start + ((end - start) * i) / (count - 1);
  }
  return out;
}
