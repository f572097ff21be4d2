import { describe, expect, it } from 'vitest';
import { createExperiment, DEFAULT_EXPERIMENT, ValidationError, type ExperimentInput } from '../../src/core/index.ts';

describe('createExperiment', () => {
  it('fills defaults', () => {
    expect(createExperiment()).toEqual(DEFAULT_EXPERIMENT);
  });

  it('resolves presets and σ_w', () => {
    const experiment = createExperiment({ parameterization: 'NTP', sigmaW: 0.7 });
    expect(experiment.parameterization).toBe(0);
    expect(experiment.sigmaU).toBe(0.7);
    expect(experiment.sigmaV).toBe(0.7);
    expect(createExperiment({ parameterization: 'muP' }).parameterization).toBe(1);
  });

  it('accepts a point on the wedge edge', () => {
    // μP, |x| = 1: the edge is |f₀| = λ₀/2.
    expect(() => createExperiment({ parameterization: 'muP', init: { kind: 'explicit', f0: 0.85, lambda0: 1.7 } })).not.toThrow();
  });

  const invalid: Array<[string, ExperimentInput, string]> = [
    ['width', { width: 0 }, 'integer'],
    ['width', { width: 2.5 }, 'integer'],
    ['width', { width: NaN }, 'integer'],
    ['parameterization', { parameterization: 1.5 }, '[0, 1]'],
    ['parameterization', { parameterization: 'SP' as 'NTP' }, 'NTP, muP'],
    ['inputNorm', { inputNorm: 0 }, '> 0'],
    ['inputNorm', { inputNorm: -1 }, '> 0'],
    ['target', { target: Infinity }, 'finite'],
    ['sigmaU', { sigmaU: -0.1 }, '≥ 0'],
    ['sigmaU', { sigmaU: 0, sigmaV: 0 }, 'positive'],
    ['sigmaW', { sigmaW: 1, sigmaU: 1 }, 'not both'],
    ['learningRate', { learningRate: 0 }, '> 0'],
    ['learningRate', { learningRate: NaN }, 'finite'],
    ['steps', { steps: 0 }, 'integer'],
    ['steps', { steps: 2 ** 32 }, 'integer'],
    ['init.f0', { parameterization: 'muP', init: { kind: 'explicit', f0: 2, lambda0: 1 } }, 'wedge'],
    ['init.lambda0', { init: { kind: 'explicit', f0: 0, lambda0: -1 } }, '> 0'],
    ['init.lambda0', { init: { kind: 'explicit', f0: 0, lambda0: 0 } }, '> 0'],
    ['inputNorm', { inputNorm: 1e-300 }, 'underflows'],
    ['init.seed', { init: { kind: 'sampled', seed: -3 } }, 'integer'],
    ['init.kind', { init: { kind: 'lazy' } as never }, '"typical"'],
  ];
  for (const [field, input, allowed] of invalid) {
    it(`rejects ${field} in ${JSON.stringify(input)}`, () => {
      let error: unknown;
      try {
        createExperiment(input);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      const validation = error as ValidationError;
      expect(validation.field).toBe(field);
      expect(validation.message).toContain(`Invalid ${field}:`);
      expect(validation.message).toContain(allowed);
    });
  }
});
