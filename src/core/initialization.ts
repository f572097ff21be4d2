/**
 * Initial states. A finite-width random initialization is drawn exactly in the
 * reduced variables: p = Ux + |x|v and q = Ux − |x|v have n independent rows
 * (p_i, q_i) ~ N(0, Σ), so (P, Q, p·q) = (|p|², |q|², p·q) is Wishart(n, Σ) with
 *   Σ = (|x|²/n^s) [[σ_U² + σ_v², σ_U² − σ_v²], [σ_U² − σ_v², σ_U² + σ_v²]].
 * With σ_U = σ_v, P and Q are independent scaled χ²_n variates.
 */
import type { Experiment } from './experiment.ts';
import { Random } from './random.ts';
import {
  experimentScales,
  normsFromPhysical,
  physicalFromNorms,
  typicalLambda0,
  type HatState,
  type PhysicalState,
} from './quantities.ts';

/** Squared norms P = |p|², Q = |q|² and the inner product p·q. */
export interface NormSample {
  P: number;
  Q: number;
  pq: number;
}

/** Returns the covariance Σ of one row (p_i, q_i) as [variance, covariance]. */
export function rowCovariance(experiment: Experiment): { variance: number; covariance: number } {
  const scale = (experiment.inputNorm * experiment.inputNorm) / experiment.width ** experiment.parameterization;
  const u2 = experiment.sigmaU * experiment.sigmaU;
  const v2 = experiment.sigmaV * experiment.sigmaV;
  return { variance: scale * (u2 + v2), covariance: scale * (u2 - v2) };
}

/**
 * Draws (P, Q, p·q) from Wishart(n, Σ) by the Bartlett decomposition
 * W = (LA)(LA)ᵀ, with L the Cholesky factor of Σ and A lower triangular with
 * A₁₁² ~ χ²_n, A₂₂² ~ χ²_{n−1} and A₂₁ ~ N(0, 1). Costs three draws for any n.
 */
export function sampleNorms(experiment: Experiment, random: Random): NormSample {
  const { variance, covariance } = rowCovariance(experiment);
  const l11 = Math.sqrt(variance);
  const l21 = l11 === 0 ? 0 : covariance / l11;
  // Σ is singular when σ_U or σ_v is zero (then q = ±p); the clamp absorbs rounding.
  const l22 = Math.sqrt(Math.max(0, variance - l21 * l21));

  const a11 = Math.sqrt(random.chiSquared(experiment.width));
  const a21 = random.normal();
  const a22 = Math.sqrt(random.chiSquared(experiment.width - 1));

  const first = l11 * a11;
  const second = l21 * a11 + l22 * a21;
  const third = l22 * a22;
  return { P: first * first, Q: second * second + third * third, pq: first * second };
}

/** Returns the initial squared norms (P, Q), drawing a sample for the sampled kind. */
export function initialNorms(experiment: Experiment): { P: number; Q: number } {
  const init = experiment.init;
  switch (init.kind) {
    case 'typical':
      return normsFromPhysical(experiment, { f: 0, lambda: typicalLambda0(experiment) });
    case 'explicit': {
      const { P, Q } = normsFromPhysical(experiment, { f: init.f0, lambda: init.lambda0 });
      // Points on the wedge's edge (the EoS manifold Q = 0) may round to −1 ulp.
      return { P: Math.max(0, P), Q: Math.max(0, Q) };
    }
    case 'sampled': {
      const { P, Q } = sampleNorms(experiment, new Random(init.seed));
      return { P, Q };
    }
  }
}

/** Returns the initial (f₀, λ₀) of an experiment. */
export function initialPhysicalState(experiment: Experiment): PhysicalState {
  const { P, Q } = initialNorms(experiment);
  return physicalFromNorms(experiment, P, Q);
}

/** Returns the initial dimensionless state (P̂, Q̂) = η(P, Q)/(4m²). */
export function initialHatState(experiment: Experiment): HatState {
  const { P, Q } = initialNorms(experiment);
  const { m } = experimentScales(experiment);
  const scale = experiment.learningRate / (4 * m * m);
  return { pHat: scale * P, qHat: scale * Q };
}
