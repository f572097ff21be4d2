import { describe, expect, it } from 'vitest';
import {
  analyzeFixedPoints,
  createExperiment,
  eosManifold,
  experimentScales,
  lambdaNullcline,
  residualMapParameters,
  residualNullcline,
  stepResidual,
  vectorField,
} from '../../src/core/index.ts';

describe('fixed points', () => {
  const experiment = createExperiment({ width: 16, parameterization: 0.5, inputNorm: 1.3, target: 0.9, learningRate: 0.8 });
  const parameters = residualMapParameters(experiment);
  const analysis = analyzeFixedPoints(experiment);

  it('are fixed under one step', () => {
    for (const point of analysis.points) {
      const next = stepResidual({ residual: point.residual, lambda: point.lambda }, parameters);
      expect(next.residual).toBeCloseTo(point.residual, 10);
      expect(next.lambda).toBeCloseTo(point.lambda, 10);
    }
  });

  it('saddle-plus lies on the EoS manifold', () => {
    const saddle = analysis.points.find((point) => point.name === 'saddle-plus')!;
    expect(saddle.lambda).toBeCloseTo(eosManifold(experiment, saddle.residual), 10);
    expect(saddle.reachable).toBe(true);
    expect(saddle.stability).not.toBe('stable');
  });

  it('minima are stable below η_c', () => {
    const { etaCritical, lambdaMin } = experimentScales(experiment);
    expect(experiment.learningRate).toBeLessThan(etaCritical);
    expect(analysis.minima.hasStableMinimum).toBe(true);
    expect(analysis.minima.lambdaMin).toBeCloseTo(lambdaMin, 14);
    expect(analysis.minima.lambdaStableBound).toBeCloseTo(2 / experiment.learningRate, 14);
  });

  it('no minimum is stable above η_c', () => {
    const { etaCritical } = experimentScales(experiment);
    const above = createExperiment({ ...experiment, learningRate: 1.01 * etaCritical });
    expect(analyzeFixedPoints(above).minima.hasStableMinimum).toBe(false);
  });

  it('saddle-minus is unreachable for ỹ > 2', () => {
    const { etaCritical } = experimentScales(experiment);
    const above = createExperiment({ ...experiment, learningRate: 2.5 * etaCritical });
    const saddle = analyzeFixedPoints(above).points.find((point) => point.name === 'saddle-minus')!;
    expect(saddle.reachable).toBe(false);
  });
});

describe('nullclines and manifold', () => {
  const experiment = createExperiment({ width: 10, parameterization: 0.2, inputNorm: 0.7, target: 1.4, learningRate: 1.5 });
  const parameters = residualMapParameters(experiment);

  it('Δf-nullcline keeps Δf', () => {
    for (const residual of [-2, -0.5, 0.3, 4]) {
      const lambda = residualNullcline(experiment, residual);
      expect(stepResidual({ residual, lambda }, parameters).residual).toBeCloseTo(residual, 12);
    }
  });

  it('λ-nullcline keeps λ', () => {
    for (const residual of [-2, -0.5, 0.3, 4]) {
      const lambda = lambdaNullcline(experiment, residual);
      expect(stepResidual({ residual, lambda }, parameters).lambda).toBeCloseTo(lambda, 12);
    }
  });

  it('EoS manifold is invariant', () => {
    for (const residual of [-1, 0.2, 0.8, 2]) {
      const next = stepResidual({ residual, lambda: eosManifold(experiment, residual) }, parameters);
      expect(next.lambda).toBeCloseTo(eosManifold(experiment, next.residual), 10);
    }
  });

  it('vector field is NaN outside the wedge', () => {
    const field = vectorField(experiment, [-3, 3], [0, 4], 7, 5);
    expect(field.residuals).toHaveLength(7);
    // Node (0, 0): Δf = −3, λ = 0 lies below the wedge edge 2|x||Δf + y|/m > 0.
    expect(field.residualDisplacement[0]).toBeNaN();
    // Node (3, 4): Δf = 0, λ = 4 is a minimum, so it does not move.
    expect(Math.abs(field.residualDisplacement[4 * 7 + 3]!)).toBe(0);
    expect(Math.abs(field.lambdaDisplacement[4 * 7 + 3]!)).toBe(0);
  });
});
