import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  experimentScales,
  experimentStart,
  hatFromPhysical,
  initialHatState,
  jacobianResidual,
  normsFromPhysical,
  physicalFromHat,
  Random,
  residualMapParameters,
  sampleWeights,
  simulateWeights,
  stepHat,
  stepResidual,
  weightsForState,
  yTilde,
  type ExperimentInput,
  type HatState,
} from '../../src/core/index.ts';

/** Relative error, with `floor` as the smallest scale (f passes through zero). */
function relativeError(actual: number, expected: number, floor = 0): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Math.abs(actual), floor);
}

interface Case {
  name: string;
  experiment: ExperimentInput;
  inputDim: number;
  /** Start from sampled weights, or from weights built for this (f₀, λ₀). */
  start: 'sampled' | { f0: number; lambda0: number };
}

// Each case runs in a regime whose perturbations grow by at most about 2× per step
// for a few steps, so float64 rounding stays far below 1e-12 after 50 steps.
const cases: Case[] = [
  { name: 'NTP small step', experiment: { width: 6, parameterization: 'NTP', learningRate: 0.3 }, inputDim: 3, start: 'sampled' },
  { name: 'muP near critical', experiment: { width: 5, parameterization: 'muP', learningRate: 0.45, target: 0.8 }, inputDim: 2, start: 'sampled' },
  { name: 's=0.5 negative target', experiment: { width: 7, parameterization: 0.5, inputNorm: 1.7, target: -1.3, learningRate: 0.2 }, inputDim: 4, start: 'sampled' },
  {
    name: 'catapult',
    experiment: { width: 8, parameterization: 'muP', inputNorm: 1, target: 1, learningRate: 0.6 },
    inputDim: 3,
    start: { f0: 0.05, lambda0: 3.8 },
  },
  {
    name: 'EoS period-2 orbit',
    experiment: { width: 4, parameterization: 'muP', inputNorm: 1, target: 1, learningRate: 1.2 },
    inputDim: 2,
    start: { f0: 0.8, lambda0: 1.7 },
  },
  {
    name: 'wide NTP unequal variances',
    experiment: { width: 20, parameterization: 'NTP', inputNorm: 0.6, target: 2, sigmaU: 1.4, sigmaV: 0.6, learningRate: 1.1 },
    inputDim: 5,
    start: 'sampled',
  },
];

describe('reduced map against parameter-space gradient descent', () => {
  for (const testCase of cases) {
    it(`matches over 50 steps: ${testCase.name}`, () => {
      const experiment = createExperiment(testCase.experiment);
      const random = new Random(12345);
      const weights =
        testCase.start === 'sampled'
          ? sampleWeights(experiment, testCase.inputDim, random)
          : weightsForState(experiment, testCase.inputDim, { f: testCase.start.f0, lambda: testCase.start.lambda0 }, random);
      const reference = simulateWeights(weights, experiment.learningRate, experiment.target, 50);

      const yTildeValue = yTilde(experiment);
      let hat: HatState = hatFromPhysical(experiment, reference[0]!);
      let residualState = { residual: reference[0]!.f - experiment.target, lambda: reference[0]!.lambda };
      const parameters = residualMapParameters(experiment);
      let worstF = 0;
      let worstLambda = 0;
      let worstResidualForm = 0;
      for (let t = 1; t <= 50; t++) {
        hat = stepHat(hat, yTildeValue);
        residualState = stepResidual(residualState, parameters);
        const physical = physicalFromHat(experiment, hat);
        const scale = Math.abs(experiment.target);
        worstF = Math.max(worstF, relativeError(physical.f, reference[t]!.f, scale));
        worstLambda = Math.max(worstLambda, relativeError(physical.lambda, reference[t]!.lambda));
        worstResidualForm = Math.max(
          worstResidualForm,
          relativeError(residualState.residual + experiment.target, reference[t]!.f, scale),
          relativeError(residualState.lambda, reference[t]!.lambda),
        );
      }
      expect(worstF).toBeLessThan(1e-12);
      expect(worstLambda).toBeLessThan(1e-12);
      expect(worstResidualForm).toBeLessThan(1e-12);
    });
  }

  it('catapult case really catapults', () => {
    // Guards the case list: the loss must rise above its initial value, then fall below it.
    const experiment = createExperiment({ width: 8, parameterization: 'muP', learningRate: 0.6 });
    const weights = weightsForState(experiment, 3, { f: 0.05, lambda: 3.8 }, new Random(12345));
    const reference = simulateWeights(weights, experiment.learningRate, experiment.target, 50);
    const losses = reference.map((state) => 0.5 * (state.f - experiment.target) ** 2);
    expect(Math.max(...losses)).toBeGreaterThan(2 * losses[0]!);
    expect(losses[50]!).toBeLessThan(1e-3 * losses[0]!);
  });
});

describe('state conversions', () => {
  it('weightsForState reproduces f and λ', () => {
    const experiment = createExperiment({ width: 9, parameterization: 0.3, inputNorm: 2.5, target: 0.7 });
    const weights = weightsForState(experiment, 4, { f: -0.4, lambda: 3.1 }, new Random(7));
    const [state] = simulateWeights(weights, experiment.learningRate, experiment.target, 0);
    expect(state!.f).toBeCloseTo(-0.4, 12);
    expect(state!.lambda).toBeCloseTo(3.1, 12);
  });

  it('hat and physical states round-trip', () => {
    const experiment = createExperiment({ width: 300, parameterization: 0.7, inputNorm: 0.9, target: 2, learningRate: 0.37 });
    const physical = { f: 1.3, lambda: 2.2 };
    const back = physicalFromHat(experiment, hatFromPhysical(experiment, physical));
    expect(back.f).toBeCloseTo(1.3, 13);
    expect(back.lambda).toBeCloseTo(2.2, 13);
    const { P, Q } = normsFromPhysical(experiment, physical);
    const { m } = experimentScales(experiment);
    expect(P - Q).toBeCloseTo(4 * experiment.inputNorm * m * physical.f, 10);
  });

  it('typical init gives f₀ = 0 and λ₀ = |x|²(σ_U² + σ_v²)', () => {
    const experiment = createExperiment({ width: 50, inputNorm: 2, sigmaU: 0.5, sigmaV: 1.5, learningRate: 0.1 });
    const physical = physicalFromHat(experiment, initialHatState(experiment));
    expect(physical.f).toBe(0);
    expect(physical.lambda).toBeCloseTo(4 * (0.25 + 2.25), 12);
  });

  it('ỹ equals η/η_c for positive targets', () => {
    const experiment = createExperiment({ width: 64, parameterization: 0.25, inputNorm: 1.3, target: 0.4, learningRate: 2.7 });
    expect(yTilde(experiment)).toBeCloseTo(experiment.learningRate / experimentScales(experiment).etaCritical, 14);
  });
});

describe('jacobianResidual', () => {
  it('matches central differences of stepResidual', () => {
    const parameters = { learningRate: 0.7, epsilon: 0.3, target: 1.1 };
    for (const state of [
      { residual: 0.4, lambda: 2.2 },
      { residual: -1.3, lambda: 0.9 },
    ]) {
      const [a, b, c, d] = jacobianResidual(state, parameters);
      const h = 1e-6;
      const plusF = stepResidual({ ...state, residual: state.residual + h }, parameters);
      const minusF = stepResidual({ ...state, residual: state.residual - h }, parameters);
      const plusL = stepResidual({ ...state, lambda: state.lambda + h }, parameters);
      const minusL = stepResidual({ ...state, lambda: state.lambda - h }, parameters);
      expect(a).toBeCloseTo((plusF.residual - minusF.residual) / (2 * h), 7);
      expect(b).toBeCloseTo((plusL.residual - minusL.residual) / (2 * h), 7);
      expect(c).toBeCloseTo((plusF.lambda - minusF.lambda) / (2 * h), 7);
      expect(d).toBeCloseTo((plusL.lambda - minusL.lambda) / (2 * h), 7);
    }
  });
});

describe('experimentStart', () => {
  it('equals initialHatState and yTilde bit for bit', () => {
    const inputs = [
      { width: 77, parameterization: 0.3, inputNorm: 1.7, target: -0.4, learningRate: 0.9 },
      { width: 5, parameterization: 'muP' as const, sigmaU: 0.3, sigmaV: 1.9, learningRate: 1.3 },
      { width: 40, inputNorm: 0.6, target: 2, learningRate: 0.2, init: { kind: 'explicit' as const, f0: 0.7, lambda0: 3 } },
      { width: 12, parameterization: 0.8, learningRate: 0.5, init: { kind: 'sampled' as const, seed: 42 } },
    ];
    for (const input of inputs) {
      const experiment = createExperiment(input);
      const start = experimentStart(experiment);
      const hat = initialHatState(experiment);
      expect(start.pHat).toBe(hat.pHat);
      expect(start.qHat).toBe(hat.qHat);
      expect(start.yTilde).toBe(yTilde(experiment));
    }
  });
});
