import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  DEFAULT_ANALYSIS_SETTINGS,
  hessianSharpnessHat,
  initialHatState,
  runHatTrajectory,
  stepHat,
  yTilde,
  jacobianHat,
  type HatState,
} from '../../src/core/index.ts';

/** The map restricted to the EoS manifold q = 0: z ← z(1 + ỹ − z)², z = P̂ = ηλ/2. */
const manifoldMap = (z: number, yTildeValue: number) => z * (1 + yTildeValue - z) ** 2;
const manifoldDerivative = (z: number, yTildeValue: number) =>
  (1 + yTildeValue - z) ** 2 - 2 * z * (1 + yTildeValue - z);

/** Settles a 1-dimensional orbit of the manifold map and returns its points over `period` steps. */
function settledCycle(z0: number, yTildeValue: number, period: number): number[] {
  let z = z0;
  for (let t = 0; t < 100_000; t++) {
    z = manifoldMap(z, yTildeValue);
  }
  const cycle = [z];
  for (let k = 1; k < period; k++) {
    cycle.push(manifoldMap(cycle[k - 1]!, yTildeValue));
  }
  return cycle;
}

describe('UV trajectory analysis', () => {
  it('converges with sharpening below η_c', () => {
    // μP, ηλ₀ = 0.8 < 2 and |f₀| = 0 < |y|: gradient descent converges and λ rises.
    const experiment = createExperiment({ width: 4096, parameterization: 'muP', learningRate: 0.4, steps: 500 });
    const yTildeValue = yTilde(experiment);
    const start = initialHatState(experiment);
    const { analysis } = runHatTrajectory(start, yTildeValue, experiment.steps);
    expect(analysis.phase).toBe('converged');
    expect(analysis.period).toBe(1);
    expect(analysis.catapult).toBe(false);
    expect(analysis.sharpnessTrend).toBe('sharpening');
    expect(analysis.sharpnessRatio).toBeGreaterThan(1);
    expect(analysis.peakLossRatio).toBe(1);
    expect(analysis.divergenceStep).toBe(-1);

    // The convergence step is the first step from which |u| ≤ tolerance·ỹ stays true to the end.
    let state: HatState = start;
    let firstOfRun = -1;
    for (let t = 0; t <= experiment.steps; t++) {
      if (t > 0) {
        state = stepHat(state, yTildeValue);
      }
      const converged = Math.abs(state.pHat - state.qHat - yTildeValue) <= DEFAULT_ANALYSIS_SETTINGS.convergenceTolerance * yTildeValue;
      if (!converged) {
        firstOfRun = -1;
      } else if (firstOfRun < 0) {
        firstOfRun = t;
      }
    }
    expect(analysis.convergenceStep).toBe(firstOfRun);
    expect(analysis.convergenceStep).toBeGreaterThan(1);
    // At a minimum λ_H = λ, so the late range is the final ηλ/2 < 1.
    expect(analysis.lateSharpnessMax).toBeCloseTo(state.pHat + state.qHat, 6);
    expect(analysis.lateSharpnessMax).toBeLessThan(1);
  });

  it('catapults when 2 < ηλ₀ and η < η_c', () => {
    // μP with σ = 1.5: λ₀ = 4.5, η = 0.6, so ηλ₀ = 2.7 > 2 while minima with λ < 2/η exist.
    const experiment = createExperiment({ width: 4096, parameterization: 'muP', sigmaW: 1.5, learningRate: 0.6, steps: 1000 });
    const { analysis } = runHatTrajectory(initialHatState(experiment), yTilde(experiment), experiment.steps);
    expect(analysis.phase).toBe('converged');
    expect(analysis.catapult).toBe(true);
    expect(analysis.peakLossRatio).toBeGreaterThan(1);
    expect(analysis.sharpnessTrend).toBe('reduction');
    // It ends at a stable minimum: ηλ_final < 2.
    expect(analysis.sharpnessRatio * 2.7).toBeLessThan(2);
  });

  it('finds the period-2 EoS orbit and its exponent', () => {
    // On the manifold at ỹ = 1.2 the minimum z = ỹ is unstable (slope 1 − 2ỹ = −1.4),
    // and the orbit settles on a 2-cycle.
    const yTildeValue = 1.2;
    const [z1, z2] = settledCycle(0.7, yTildeValue, 2) as [number, number];
    expect(Math.abs(manifoldMap(manifoldMap(z1, yTildeValue), yTildeValue) - z1)).toBeLessThan(1e-12);
    const inManifold = 0.5 * Math.log(Math.abs(manifoldDerivative(z1, yTildeValue) * manifoldDerivative(z2, yTildeValue)));
    // Transverse multiplier of Q̂ over one step: (1 + u)², with u = z − ỹ on the manifold.
    const transverse = Math.log(Math.abs((1 + z1 - yTildeValue) * (1 + z2 - yTildeValue)));
    expect(inManifold).toBeLessThan(0);

    const { analysis } = runHatTrajectory({ pHat: 0.7, qHat: 0 }, yTildeValue, 4000);
    expect(analysis.phase).toBe('periodic');
    expect(analysis.period).toBe(2);
    // The tangent vector aligns during the first half, so the late-half estimate has no start-up bias.
    expect(analysis.lyapunovExponent).toBeCloseTo(Math.max(inManifold, transverse), 6);
    const halfSharpness = [z1, z2].map((z) => 0.5 * hessianSharpnessHat({ pHat: z, qHat: 0 }, yTildeValue));
    expect(analysis.lateSharpnessMin).toBeCloseTo(Math.min(...halfSharpness), 8);
    expect(analysis.lateSharpnessMax).toBeCloseTo(Math.max(...halfSharpness), 8);
  });

  it('is attracted to the 2-cycle from off the manifold', () => {
    const { analysis } = runHatTrajectory({ pHat: 0.6, qHat: 0.05 }, 1.2, 4000);
    expect(analysis.phase).toBe('periodic');
    expect(analysis.period).toBe(2);
  });

  it('finds the period-3 window', () => {
    const yTildeValue = 1.7;
    const cycle = settledCycle(0.4, yTildeValue, 3);
    const returned = manifoldMap(manifoldMap(manifoldMap(cycle[0]!, yTildeValue), yTildeValue), yTildeValue);
    expect(Math.abs(returned - cycle[0]!)).toBeLessThan(1e-12);
    expect(Math.abs(manifoldMap(cycle[0]!, yTildeValue) - cycle[0]!)).toBeGreaterThan(0.1);
    const multiplier = cycle.reduce((product, z) => product * manifoldDerivative(z, yTildeValue), 1);
    expect(Math.abs(multiplier)).toBeLessThan(1);

    const { analysis } = runHatTrajectory({ pHat: 0.4, qHat: 0.01 }, yTildeValue, 20000);
    expect(analysis.phase).toBe('periodic');
    expect(analysis.period).toBe(3);
    expect(analysis.lyapunovExponent).toBeLessThan(0);
  });

  it('is chaotic with exponent ln 3 at ỹ = 2', () => {
    // At ỹ = 2 the manifold map z(3 − z)² is conjugate to θ ← 3θ by z = 4 sin²θ, whose
    // exponent is ln 3. The transverse exponent there is the mean of ln(1 − 2 cos 2θ)², which is 0.
    const { analysis } = runHatTrajectory({ pHat: 0.3, qHat: 0 }, 2, 40000);
    expect(analysis.phase).toBe('chaotic');
    expect(analysis.period).toBe(0);
    expect(Math.abs(analysis.lyapunovExponent - Math.log(3))).toBeLessThan(0.03);
    // On the manifold at ỹ = 2, ηλ_H = z + 2|z − 1|, and the attractor fills z ∈ [0, 4],
    // so ηλ_H/2 spans [0.5, 5] with its minimum at z = 1.
    expect(analysis.lateSharpnessMin).toBeGreaterThanOrEqual(0.5);
    expect(analysis.lateSharpnessMin).toBeLessThan(0.51);
    expect(analysis.lateSharpnessMax).toBeGreaterThan(4.9);
    expect(analysis.lateSharpnessMax).toBeLessThanOrEqual(5);
  });

  it('diverges past the crisis at ỹ = 2', () => {
    // For ỹ > 2 the maximum 4(1 + ỹ)³/27 of the manifold map exceeds the repelling point
    // z = ỹ + 2, and every orbit through the maximum escapes.
    const yTildeValue = 2.5;
    let z = 0.3;
    let expectedStep = -1;
    for (let t = 1; t < 1000 && expectedStep < 0; t++) {
      z = manifoldMap(z, yTildeValue);
      if (!(z <= DEFAULT_ANALYSIS_SETTINGS.divergenceBound)) {
        expectedStep = t;
      }
    }
    expect(expectedStep).toBeGreaterThan(0);
    const { analysis } = runHatTrajectory({ pHat: 0.3, qHat: 0 }, yTildeValue, 1000);
    expect(analysis.phase).toBe('diverged');
    expect(analysis.divergenceStep).toBe(expectedStep);
    expect(analysis.lyapunovExponent).toBeNaN();
  });

  it('diverges at step 0 from a non-finite start', () => {
    const { analysis } = runHatTrajectory({ pHat: Infinity, qHat: 0 }, 0.5, 10);
    expect(analysis.phase).toBe('diverged');
    expect(analysis.divergenceStep).toBe(0);
  });

  it('leaves a slow approach unresolved', () => {
    // At ỹ = 0.99 the minimum's multiplier is 1 − 2ỹ = −0.98, so 200 steps shrink |u| only by about 50.
    const { analysis } = runHatTrajectory({ pHat: 1.09, qHat: 0 }, 0.99, 200);
    expect(analysis.phase).toBe('unresolved');
    expect(analysis.convergenceStep).toBe(-1);
  });

  it('does not converge at an unstable minimum', () => {
    // z = ỹ = 1.2 on the manifold is a minimum (u = 0 exactly) with ηλ = 2.4 > 2.
    const { analysis } = runHatTrajectory({ pHat: 1.2, qHat: 0 }, 1.2, 300);
    expect(analysis.phase).toBe('unresolved');
    expect(analysis.period).toBe(1);
    expect(analysis.convergenceStep).toBe(-1);
  });

  it('converges without period detection on short runs', () => {
    const { analysis } = runHatTrajectory({ pHat: 0.3, qHat: 0.1 }, 0.3, 100);
    expect(analysis.phase).toBe('converged');
    expect(analysis.period).toBe(1);
  });

  it('keeps states on request', () => {
    const { states } = runHatTrajectory({ pHat: 0.3, qHat: 0.1 }, 0.3, 5, { keepStates: true });
    expect(states).toHaveLength(6);
    expect(states![1]).toEqual(stepHat({ pHat: 0.3, qHat: 0.1 }, 0.3));
  });
});

describe('jacobianHat', () => {
  it('matches central differences of stepHat', () => {
    const yTildeValue = 0.83;
    for (const state of [
      { pHat: 0.4, qHat: 0.2 },
      { pHat: 1.7, qHat: 0.05 },
      { pHat: 0.1, qHat: 0.9 },
    ]) {
      const [a, b, c, d] = jacobianHat(state, yTildeValue);
      const h = 1e-6;
      const plusP = stepHat({ ...state, pHat: state.pHat + h }, yTildeValue);
      const minusP = stepHat({ ...state, pHat: state.pHat - h }, yTildeValue);
      const plusQ = stepHat({ ...state, qHat: state.qHat + h }, yTildeValue);
      const minusQ = stepHat({ ...state, qHat: state.qHat - h }, yTildeValue);
      expect(a).toBeCloseTo((plusP.pHat - minusP.pHat) / (2 * h), 7);
      expect(b).toBeCloseTo((plusQ.pHat - minusQ.pHat) / (2 * h), 7);
      expect(c).toBeCloseTo((plusP.qHat - minusP.qHat) / (2 * h), 7);
      expect(d).toBeCloseTo((plusQ.qHat - minusQ.qHat) / (2 * h), 7);
    }
  });
});
