import { describe, expect, it } from 'vitest';
import {
  assessPrecision,
  axisValue,
  createView,
  DEFAULT_VIEW_INPUT,
  experimentScales,
  pixelCoordinates,
  pixelExperiment,
  pixelStart,
  typicalLambda0,
  ValidationError,
  type Axis,
  type ViewInput,
} from '../../src/core/index.ts';

const axis = (parameter: Axis['parameter'], min: number, max: number, scale: Axis['scale'] = 'linear'): Axis => ({ parameter, min, max, scale });

describe('axes', () => {
  it('samples pixel centres', () => {
    expect(axisValue(axis('eta', 0, 1), 0, 4)).toBe(0.125);
    expect(axisValue(axis('eta', 0, 1), 3, 4)).toBe(0.875);
    expect(axisValue(axis('eta', 1, 100, 'log'), 0, 2)).toBeCloseTo(Math.sqrt(10), 12);
    expect(axisValue(axis('eta', 1, 100, 'log'), 1, 2)).toBeCloseTo(10 * Math.sqrt(10), 12);
  });

  it('puts row 0 at the top', () => {
    const view = createView({ ...DEFAULT_VIEW_INPUT, rows: 2, columns: 2 });
    expect(pixelCoordinates(view, 0, 0).y).toBeGreaterThan(pixelCoordinates(view, 0, 1).y);
  });
});

describe('pixel experiments', () => {
  const base = { width: 64, parameterization: 0.5, inputNorm: 1.5, target: 0.8, learningRate: 0.3, sigmaW: 0.9 };
  const view = (x: Axis, y: Axis, experiment: ViewInput['experiment'] = base) => createView({ experiment, x, y, columns: 3, rows: 3 });

  it('applies each axis to its parameter', () => {
    const cases: Array<[Axis, (e: NonNullable<ReturnType<typeof pixelExperiment>>) => number]> = [
      [axis('eta', 0.1, 0.4), (e) => e.learningRate],
      [axis('sigmaW', 0.5, 2), (e) => e.sigmaU],
      [axis('width', 10, 1000, 'log'), (e) => e.width],
      [axis('parameterization', 0, 1), (e) => e.parameterization],
      [axis('target', -2, 2), (e) => e.target],
    ];
    for (const [x, read] of cases) {
      const v = view(x, axis(x.parameter === 'target' ? 'sigmaW' : 'target', 0.5, 1));
      const experiment = pixelExperiment(v, 1, 1)!;
      const expected = x.parameter === 'width' ? Math.round(axisValue(x, 1, 3)) : axisValue(x, 1, 3);
      expect(read(experiment), x.parameter).toBeCloseTo(expected, 12);
    }
  });

  it('sets η from η/η_c after the other axis', () => {
    const v = view(axis('etaRatio', 0.5, 1.5), axis('width', 10, 1000, 'log'));
    const experiment = pixelExperiment(v, 2, 0)!;
    expect(experiment.learningRate / experimentScales(experiment).etaCritical).toBeCloseTo(axisValue(v.x, 2, 3), 12);
  });

  it('sets η from c = ηλ₀', () => {
    const v = view(axis('c', 1, 3), axis('sigmaW', 0.5, 2));
    const experiment = pixelExperiment(v, 0, 0)!;
    expect(experiment.learningRate * typicalLambda0(experiment)).toBeCloseTo(axisValue(v.x, 0, 3), 12);
  });

  it('marks f₀ outside the wedge invalid', () => {
    // λ₀ = 2σ²|x|² = 3.645, m = 64^0.25 ≈ 2.83: |f₀| ≤ mλ₀/(2|x|) ≈ 3.44, so f₀/y up to 4.3.
    const v = view(axis('f0OverY', -20, 20), axis('eta', 0.1, 0.2));
    expect(pixelStart(v, 0, 1)).toBeUndefined();
    expect(pixelStart(v, 1, 1)).toBeDefined();
    const experiment = pixelExperiment(v, 1, 1)!;
    expect(experiment.init).toEqual({ kind: 'explicit', f0: 0, lambda0: expect.closeTo(3.645, 12) });
  });

  it('marks η/η_c invalid when y ≤ 0', () => {
    const v = view(axis('etaRatio', 0.5, 1.5), axis('target', -1, 1));
    expect(pixelStart(v, 0, 0)).toBeDefined(); // top row: y = 2/3
    expect(pixelStart(v, 0, 2)).toBeUndefined(); // bottom row: y = −2/3
  });

  it('draws distinct samples per pixel', () => {
    const v = createView({ experiment: { ...base, init: { kind: 'sampled', seed: 3 } }, x: axis('eta', 0.1, 0.2), y: axis('sigmaW', 0.5, 1), columns: 2, rows: 2, samples: 3 });
    const starts = [0, 1, 2].map((sample) => pixelStart(v, 0, 0, sample)!.pHat);
    expect(new Set(starts).size).toBe(3);
    expect(pixelStart(v, 0, 0, 1)).toEqual(pixelStart(v, 0, 0, 1));
    expect(pixelStart(v, 1, 0, 0)!.pHat).not.toBe(starts[0]);
  });
});

describe('createView', () => {
  it('accepts y ≤ 0 with η/η_c when the other axis sets y', () => {
    expect(() => createView({ ...DEFAULT_VIEW_INPUT, experiment: { target: 0 }, y: axis('target', 0.5, 2) })).not.toThrow();
  });

  const invalid: Array<[string, Partial<ViewInput>]> = [
    ['y.parameter', { y: axis('etaRatio', 0.1, 1) }],
    ['y.parameter', { x: axis('eta', 0.1, 1), y: axis('c', 1, 2) }],
    ['x.max', { x: axis('eta', 1, 1) }],
    ['x.min', { x: axis('eta', 0, 1, 'log') }],
    ['x.min', { x: axis('eta', -1, 1) }],
    ['x.max', { x: axis('parameterization', 0, 2) }],
    ['x.parameter', { x: axis('lr' as 'eta', 0.1, 1) }],
    ['columns', { columns: 0 }],
    ['rows', { rows: 1.5 }],
    ['samples', { samples: 2 }],
    ['target', { experiment: { target: 0 } }],
    ['target', { experiment: { target: -1 }, x: axis('sigmaW', 0.1, 2), y: axis('etaRatio', 0.1, 2) }],
  ];
  for (const [field, change] of invalid) {
    it(`rejects ${field} in ${JSON.stringify(change)}`, () => {
      let error: unknown;
      try {
        createView({ ...DEFAULT_VIEW_INPUT, ...change });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(field);
    });
  }
});

describe('float32 precision', () => {
  it('flags spacing below 4 ulps', () => {
    const at = (min: number, max: number, columns: number) =>
      assessPrecision(createView({ ...DEFAULT_VIEW_INPUT, x: axis('etaRatio', min, max), columns })).axes[0];
    // ulp(1.5) = 2⁻²³ ≈ 1.19e-7.
    expect(at(1, 1.5, 256)!.resolved).toBe(true);
    expect(at(1.4, 1.4 + 256 * 5 * 2 ** -23, 256)!.resolved).toBe(true);
    expect(at(1.4, 1.4 + 256 * 3 * 2 ** -23, 256)!.resolved).toBe(false);
  });
});
