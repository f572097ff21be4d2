import { describe, expect, it } from 'vitest';
import {
  createExperiment,
  experimentScales,
  hatFromPhysical,
  hessianSharpness,
  hessianSharpnessHat,
  lossHessian,
  networkOutput,
  ntkEigenvalue,
  Random,
  sampleWeights,
  symmetricEigenvalues,
  weightsForState,
  yTilde,
} from '../../src/core/index.ts';

describe('Jacobi eigenvalues', () => {
  it('solves a matrix with known eigenvalues', () => {
    // [[2, 1, 0], [1, 2, 1], [0, 1, 2]] has eigenvalues 2 − √2, 2, 2 + √2.
    const matrix = Float64Array.from([2, 1, 0, 1, 2, 1, 0, 1, 2]);
    const eigenvalues = symmetricEigenvalues(matrix, 3);
    expect(eigenvalues[0]).toBeCloseTo(2 - Math.SQRT2, 13);
    expect(eigenvalues[1]).toBeCloseTo(2, 13);
    expect(eigenvalues[2]).toBeCloseTo(2 + Math.SQRT2, 13);
  });
});

describe('closed-form Hessian sharpness', () => {
  const settings = [
    { width: 3, parameterization: 0, inputNorm: 1, target: 1, inputDim: 2 },
    { width: 5, parameterization: 1, inputNorm: 1.5, target: -0.7, inputDim: 3 },
    { width: 6, parameterization: 0.5, inputNorm: 0.4, target: 2.5, inputDim: 4 },
  ];
  // (f, λ) points: at a minimum, small and large residuals of both signs, and on the wedge's edges.
  const states = [
    { f: 1, lambda: 2 },
    { f: 0.2, lambda: 1.5 },
    { f: -3, lambda: 9 },
    { f: 6, lambda: 4.1 },
    { f: 0, lambda: 0.3 },
    { f: 0.25, lambda: 0 }, // clamped onto the edge q = 0, where both branches of the max meet
  ];

  for (const setting of settings) {
    it(`matches the explicit Hessian, n=${setting.width} s=${setting.parameterization}`, () => {
      const experiment = createExperiment(setting);
      const scales = experimentScales(experiment);
      const random = new Random(99);
      for (const state of states) {
        const lambda = Math.max(state.lambda, (2 * setting.inputNorm * Math.abs(state.f)) / scales.m);
        const f = state.f === 1 ? setting.target : state.f; // the first point is a minimum
        const weights = weightsForState(experiment, setting.inputDim, { f, lambda }, random);
        checkWeights(weights, setting.target);
      }
      for (let sample = 0; sample < 5; sample++) {
        checkWeights(sampleWeights(experiment, setting.inputDim, random), setting.target);
      }

      function checkWeights(weights: ReturnType<typeof sampleWeights>, target: number): void {
        const { size, matrix } = lossHessian(weights, target);
        const eigenvalues = symmetricEigenvalues(matrix, size);
        const top = eigenvalues[size - 1]!;
        const f = networkOutput(weights);
        const lambda = ntkEigenvalue(weights);
        const closedForm = hessianSharpness(lambda, f, f - target, scales);
        expect(Math.abs(closedForm - top)).toBeLessThan(1e-10 * Math.max(1, top));

        const eta = experiment.learningRate;
        const hat = hatFromPhysical(experiment, { f, lambda });
        const hatForm = hessianSharpnessHat(hat, yTilde(experiment)) / eta;
        expect(Math.abs(hatForm - top)).toBeLessThan(1e-10 * Math.max(1, top));
      }
    });
  }

  it('equals λ at a minimum', () => {
    const experiment = createExperiment({ width: 10, target: 1.5 });
    const scales = experimentScales(experiment);
    expect(hessianSharpness(2.7, 1.5, 0, scales)).toBe(2.7);
  });
});
