import { describe, expect, it } from 'vitest';
import {
  accumulateDiagram,
  createDiagram,
  decodeAppState,
  DEFAULT_APP_STATE,
  DEFAULT_DIAGRAM_PANEL,
  diagramExperiment,
  diagramPrecisionProblem,
  chooseDiagramPrecision,
  diagramForView,
  panelForView,
  diagramQuantityValue,
  diagramRow,
  diagramStart,
  encodeAppState,
  lossHessian,
  Random,
  simulateWeights,
  stepHat,
  symmetricEigenvalues,
  toneIndex,
  toneLevel,
  toneMapDensity,
  lostColumns,
  occupiedValueRange,
  ValidationError,
  weightsForState,
  createView,
  gradientStep,
  type DiagramInput,
} from '../../src/core/index.ts';
import { manifoldMap } from '../../src/core/bifurcations.ts';

const BASE: DiagramInput = {
  experiment: { parameterization: 'muP', sigmaW: 0.5 },
  x: { parameter: 'etaRatio', min: 0.9, max: 1.3, scale: 'linear' },
  quantity: 'ntkSharpness',
  y: { min: 0, max: 3, scale: 'linear' },
  columns: 40,
  rows: 3000,
  transient: 20_000,
  recorded: 64,
};

function expectInvalid(input: DiagramInput, field: string): void {
  try {
    createDiagram(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
    return;
  }
  throw new Error(`createDiagram accepted an invalid ${field}`);
}

describe('createDiagram', () => {
  it('fills defaults', () => {
    const diagram = createDiagram({ x: BASE.x, columns: 10, rows: 20 });
    expect(diagram.quantity).toBe('hessianSharpness');
    expect(diagram.transient).toBe(1000);
    expect(diagram.recorded).toBe(1000);
    expect(diagram.samples).toBe(1);
    expect(diagram.y).toEqual({ min: 0, max: 3, scale: 'linear' });
  });

  it.each([
    [{ ...BASE, x: { parameter: 'sigmaW', min: 0.1, max: 1, scale: 'linear' } }, 'x.parameter'],
    [{ ...BASE, x: { parameter: 'eta', min: 0, max: 1, scale: 'linear' } }, 'x.min'],
    [{ ...BASE, x: { parameter: 'eta', min: 2, max: 1, scale: 'linear' } }, 'x.max'],
    [{ ...BASE, y: { min: 0, max: 1, scale: 'log' } }, 'y.min'],
    [{ ...BASE, y: { min: 0, max: Number.NaN, scale: 'linear' } }, 'y.max'],
    [{ ...BASE, quantity: 'energy' }, 'quantity'],
    [{ ...BASE, columns: 0 }, 'columns'],
    [{ ...BASE, rows: 1.5 }, 'rows'],
    [{ ...BASE, transient: -1 }, 'transient'],
    [{ ...BASE, recorded: 0 }, 'recorded'],
    [{ ...BASE, transient: 0x7fffffff, recorded: 1 }, 'recorded'],
    [{ ...BASE, samples: 0 }, 'samples'],
    [{ ...BASE, columns: 2 ** 15, rows: 2 ** 15 }, 'rows'],
    [{ ...BASE, fixed: { parameter: 'eta', value: 1 } }, 'fixed.parameter'],
    [{ ...BASE, fixed: { parameter: 'sigmaW', value: Infinity } }, 'fixed.value'],
    [{ ...BASE, fixed: { parameter: 'sigmaW', value: -1 } }, 'fixed.value'],
    [{ ...BASE, fixed: { parameter: 'width', value: 0.1 } }, 'fixed.value'],
    [{ ...BASE, fixed: { parameter: 'parameterization', value: 2 } }, 'fixed.value'],
  ] as Array<[DiagramInput, string]>)('rejects invalid input %#', (input, field) => {
    expectInvalid(input, field);
  });
});

describe('diagramRow', () => {
  const range = { min: 0, max: 2, scale: 'linear' } as const;

  it('maps the range onto rows from the bottom', () => {
    expect(diagramRow(range, 4, 0)).toBe(3);
    expect(diagramRow(range, 4, 0.49)).toBe(3);
    expect(diagramRow(range, 4, 0.5)).toBe(2);
    expect(diagramRow(range, 4, 1.99)).toBe(0);
  });

  it('rejects values outside the range', () => {
    expect(diagramRow(range, 4, 2)).toBe(-1);
    expect(diagramRow(range, 4, -1e-9)).toBe(-1);
    expect(diagramRow(range, 4, Number.NaN)).toBe(-1);
    expect(diagramRow(range, 4, Infinity)).toBe(-1);
  });

  it('uses the logarithm on a log scale', () => {
    const log = { min: 1e-4, max: 1, scale: 'log' } as const;
    expect(diagramRow(log, 4, 1e-4)).toBe(3);
    expect(diagramRow(log, 4, 0.5e-2)).toBe(2);
    expect(diagramRow(log, 4, 0.5)).toBe(0);
    expect(diagramRow(log, 4, 0)).toBe(-1);
    expect(diagramRow(log, 4, -1)).toBe(-1);
  });
});

describe('diagram quantities', () => {
  it('match a full-parameter float64 simulation', () => {
    const diagram = createDiagram({
      experiment: { width: 6, parameterization: 0.5, inputNorm: 1.3, target: 0.7, init: { kind: 'explicit', f0: 0.2, lambda0: 1.1 } },
      x: { parameter: 'eta', min: 0.5, max: 2.5, scale: 'linear' },
      columns: 4,
      rows: 10,
    });
    for (let column = 0; column < diagram.columns; column++) {
      const experiment = diagramExperiment(diagram, column)!;
      const start = diagramStart(diagram, column)!;
      const weights = weightsForState(experiment, 3, { f: 0.2, lambda: 1.1 }, new Random(column + 1));
      const physical = simulateWeights(weights, experiment.learningRate, experiment.target, 12);
      let state = { pHat: start.pHat, qHat: start.qHat };
      let current = weights;
      for (let t = 0; t <= 12; t++) {
        const residual = physical[t]!.f - experiment.target;
        const eta = experiment.learningRate;
        const value = (quantity: Parameters<typeof diagramQuantityValue>[0]) =>
          diagramQuantityValue(quantity, state.pHat, state.qHat, start.yTilde, start.residualScale);
        const scale = Math.max(1, Math.abs(residual));
        expect(value('residual'), `column ${column}, step ${t}`).toBeCloseTo(residual, 9 - Math.ceil(Math.log10(scale)));
        expect(value('loss')).toBeCloseTo(0.5 * residual * residual, 6);
        expect(value('ntkSharpness')).toBeCloseTo((eta * physical[t]!.lambda) / 2, 9);
        const hessian = lossHessian(current, experiment.target);
        const top = Math.max(...symmetricEigenvalues(hessian.matrix, hessian.size));
        expect(value('hessianSharpness')).toBeCloseTo((eta * top) / 2, 8);
        state = stepHat(state, start.yTilde);
        current = gradientStep(current, eta, experiment.target);
      }
    }
  });
});

describe('accumulateDiagram', () => {
  it('counts the 2-cycle of the manifold map', () => {
    // Column 25 sits at ỹ = 0.9 + 25.5·0.01 = 1.155, between the doublings at 1 and √5 − 1.
    const diagram = createDiagram(BASE);
    const density = accumulateDiagram(diagram);
    const column = 25;
    const yTilde = diagramStart(diagram, column)!.yTilde;
    expect(yTilde).toBeCloseTo(1.155, 12);
    // The cycle on q = 0, found independently from the critical point of z ← z(1 + ỹ − z)².
    let z = (1 + yTilde) / 3;
    for (let i = 0; i < 100_000; i++) {
      z = manifoldMap(z, yTilde);
    }
    const cycle = [z, manifoldMap(z, yTilde)];
    const expectedRows = cycle.map((value) => diagramRow(diagram.y, diagram.rows, value)).sort((a, b) => a - b);
    const rows: number[] = [];
    let total = 0;
    for (let row = 0; row < diagram.rows; row++) {
      const count = density.counts[row * diagram.columns + column]!;
      total += count;
      if (count > 0) {
        rows.push(row);
      }
    }
    expect(rows).toEqual(expectedRows);
    expect(total).toBe(diagram.recorded);
  });

  it('counts diverged and invalid trajectories per column', () => {
    const diverging = createDiagram({ ...BASE, x: { parameter: 'etaRatio', min: 2.5, max: 3, scale: 'linear' }, columns: 3, transient: 200 });
    const density = accumulateDiagram(diverging);
    expect(Array.from(density.diverged)).toEqual([1, 1, 1]);
    expect(density.counts.every((count) => count === 0)).toBe(true);

    // η/η_c needs y > 0: with y = 0 no column has a valid learning rate.
    const invalid = createDiagram({ ...BASE, experiment: { target: 0 }, columns: 2 });
    expect(Array.from(accumulateDiagram(invalid).invalid)).toEqual([1, 1]);
  });

  it('spreads samples inside each column', () => {
    const diagram = createDiagram({ ...BASE, x: { parameter: 'eta', min: 1, max: 2, scale: 'linear' }, columns: 2, samples: 4 });
    const rates = [0, 1].flatMap((column) => [0, 1, 2, 3].map((sample) => diagramExperiment(diagram, column, sample)!.learningRate));
    expect(rates).toEqual([1.0625, 1.1875, 1.3125, 1.4375, 1.5625, 1.6875, 1.8125, 1.9375]);
  });
});

describe('occupiedValueRange', () => {
  it('spans the occupied rows of the columns inside a range', () => {
    // 4 columns over [0, 4] (centres 0.5 … 3.5), 10 rows over [0, 1]: row r from the top is the band [0.9 − 0.1r, 1 − 0.1r).
    const diagram = { x: { parameter: 'etaRatio', min: 0, max: 4, scale: 'linear' }, y: { min: 0, max: 1, scale: 'linear' }, columns: 4, rows: 10 } as const;
    const counts = new Uint32Array(40);
    counts[2 * 4 + 1] = 5; // column 1, row 2: [0.7, 0.8)
    counts[6 * 4 + 2] = 1; // column 2, row 6: [0.3, 0.4)
    counts[0 * 4 + 3] = 9; // column 3, outside the range below
    const range = occupiedValueRange(diagram, { counts }, 1, 3)!;
    expect(range.min).toBeCloseTo(0.3, 12);
    expect(range.max).toBeCloseTo(0.8, 12);
    expect(occupiedValueRange(diagram, { counts }, 0, 0.9)).toBeUndefined();
  });
});

describe('diagram precision', () => {
  it('accepts the cascade in float32 for short records', () => {
    expect(diagramPrecisionProblem(createDiagram(BASE), 'float32')).toBeUndefined();
    expect(chooseDiagramPrecision(createDiagram(BASE)).precision).toBe('float32');
  });

  it('draws long records in df64', () => {
    // Chaotic float32 orbits repeat after a few hundred steps, so 65 recorded steps need df64.
    const long = createDiagram({ ...BASE, recorded: 65 });
    expect(diagramPrecisionProblem(long, 'float32')).toMatch(/65 recorded steps exceed the 64 that float32 draws/);
    expect(chooseDiagramPrecision(long).precision).toBe('df64');
    const longer = createDiagram({ ...BASE, recorded: 2 ** 20 + 1 });
    expect(chooseDiagramPrecision(longer).precision).toBe('float64');
  });

  it('rejects columns closer than float32 resolves', () => {
    const deep = createDiagram({ ...BASE, x: { parameter: 'etaRatio', min: 1.3, max: 1.3 + 1e-6, scale: 'linear' }, columns: 64 });
    expect(diagramPrecisionProblem(deep, 'float32')).toMatch(/float32 ulps near ỹ/);
    expect(chooseDiagramPrecision(deep).precision).toBe('df64');
  });

  it('picks float64 past df64', () => {
    // 64 columns over 2·10⁻¹³: 2.4 df64 ulps apart at ỹ = 1.3, 700 float64 ulps.
    const deeper = createDiagram({ ...BASE, x: { parameter: 'etaRatio', min: 1.3, max: 1.3 + 2e-13, scale: 'linear' }, columns: 64 });
    const choice = chooseDiagramPrecision(deeper);
    expect(choice.precision).toBe('float64');
    expect(choice.problems.map((entry) => entry.precision)).toEqual(['float32', 'df64']);
  });

  it('reports when no precision resolves', () => {
    const deepest = createDiagram({ ...BASE, x: { parameter: 'etaRatio', min: 1.3, max: 1.3 + 1e-15, scale: 'linear' }, columns: 64 });
    expect(chooseDiagramPrecision(deepest).precision).toBeUndefined();
  });

  it('rejects rows narrower than the precision resolves', () => {
    const thin = createDiagram({ ...BASE, y: { min: 1, max: 1 + 1e-6, scale: 'linear' }, rows: 64 });
    expect(diagramPrecisionProblem(thin, 'float32')).toMatch(/each row spans/);
    expect(diagramPrecisionProblem(thin, 'df64')).toBeUndefined();
    // ηλ_H/2 is computed from f32 values in the df64 kernel, so its rows need float32's spacing.
    const thinSharpness = createDiagram({ ...thin, experiment: BASE.experiment, quantity: 'hessianSharpness' });
    expect(diagramPrecisionProblem(thinSharpness, 'df64')).toMatch(/float32 ulps/);
  });
});

describe('tone mapping', () => {
  it('levels follow log and gamma', () => {
    expect(toneLevel(0, 100, { mapping: 'log', gamma: 1 })).toBe(0);
    expect(toneLevel(100, 100, { mapping: 'log', gamma: 1 })).toBe(1);
    expect(toneLevel(9, 99, { mapping: 'log', gamma: 1 })).toBeCloseTo(0.5, 12);
    expect(toneLevel(25, 100, { mapping: 'gamma', gamma: 0.5 })).toBeCloseTo(0.5, 12);
  });

  it('keeps empty cells apart from visited ones', () => {
    expect(toneIndex(0, false)).toBe(0);
    expect(toneIndex(0, true)).toBe(1);
    expect(toneIndex(1, true)).toBe(255);
  });

  it('inverts the map', () => {
    const counts = Uint32Array.of(0, 1, 10);
    const normal = toneMapDensity(counts, { mapping: 'log', gamma: 1, map: 'grey', invert: false });
    const inverted = toneMapDensity(counts, { mapping: 'log', gamma: 1, map: 'grey', invert: true });
    // The grey map runs from dark to light: empty cells are the darkest, then the lightest when inverted.
    expect(normal[0]!).toBeLessThan(normal[8]!);
    expect(inverted[0]!).toBeGreaterThan(inverted[8]!);
    // Inverted, an empty cell takes the colour of the fullest cell of the normal image.
    expect(Array.from(inverted.slice(0, 4))).toEqual(Array.from(normal.slice(8, 12)));
  });

  it('paints the empty cells of lost columns grey', () => {
    // Two columns, two rows: column 0 has one count, column 1 lost both its trajectories.
    const counts = Uint32Array.of(1, 0, 0, 0);
    const lost = lostColumns({ diverged: Uint32Array.of(1, 1), invalid: Uint32Array.of(0, 1) }, 2);
    expect(Array.from(lost)).toEqual([0, 1]);
    const pixels = toneMapDensity(counts, { mapping: 'log', gamma: 1, map: 'heat', invert: false }, lost);
    expect(Array.from(pixels.slice(4, 8))).toEqual([200, 200, 200, 255]);
    expect(Array.from(pixels.slice(12, 16))).toEqual([200, 200, 200, 255]);
    // Column 0's empty cell keeps the background colour.
    expect(Array.from(pixels.slice(8, 12))).not.toEqual([200, 200, 200, 255]);
  });

  it('rejects a categorical map', () => {
    expect(() => toneMapDensity(Uint32Array.of(1), { mapping: 'log', gamma: 1, map: 'phase', invert: false })).toThrow(/sequential/);
  });
});

describe('diagram panel in the URL', () => {
  const state = { ...DEFAULT_APP_STATE, diagram: { ...DEFAULT_DIAGRAM_PANEL, row: 0.5, x: { min: 1.2, max: 1.4, scale: 'linear' as const } } };

  it('round-trips', () => {
    const query = encodeAppState(state);
    expect(query).toContain('bq=hessianSharpness&by=0,3,linear&bx=1.2,1.4,linear&brow=0.5&bres=1024x512&bsteps=1000,1000&bsamples=1&btone=log,0.5,heat,0');
    expect(decodeAppState(query)).toEqual(state);
  });

  it('stays closed without keys', () => {
    expect(decodeAppState(encodeAppState(DEFAULT_APP_STATE)).diagram).toBeUndefined();
  });

  it.each([
    ['by=0,3,linear', 'bq'],
    ['bq=energy', 'bq'],
    ['bq=loss&by=0,1,log', 'by'],
    ['bq=loss&bres=10', 'bres'],
    ['bq=loss&bres=0x10', 'bres'],
    ['bq=loss&bsteps=10', 'bsteps'],
    ['bq=loss&bsteps=10,0', 'bsteps'],
    ['bq=loss&btone=log,0.5,heat', 'btone'],
    ['bq=loss&btone=log,0.5,phase,0', 'btone'],
    ['bq=loss&btone=gamma,-1,heat,0', 'btone'],
    ['bq=loss&bx=1,0.5,linear', 'bx'],
    ['bq=loss&brow=abc', 'brow'],
    ['bq=loss&brow=-1', 'brow'],
  ])('rejects %s', (query, key) => {
    try {
      decodeAppState(query);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe(key);
      return;
    }
    throw new Error(`decodeAppState accepted ${query}`);
  });

  it('defines the diagram of the map row', () => {
    const view = createView(state.view);
    const diagram = diagramForView(view, state.diagram);
    expect(diagram.fixed).toEqual({ parameter: 'sigmaW', value: 0.5 });
    expect(diagram.x).toEqual({ parameter: 'etaRatio', min: 1.2, max: 1.4, scale: 'linear' });
    expect(diagramExperiment(diagram, 0)!.sigmaU).toBe(0.5);
  });

  it('explains a map without a learning-rate x axis', () => {
    const view = createView({ ...state.view, x: { parameter: 'sigmaW', min: 0.1, max: 1, scale: 'linear' }, y: { parameter: 'eta', min: 0.1, max: 1, scale: 'linear' } });
    expect(() => diagramForView(view, state.diagram)).toThrow(/learning-rate parameter on the phase map's x axis/);
  });
});

describe('panelForView', () => {
  const sigmaRows = { x: { parameter: 'etaRatio' as const, min: 0.5, max: 2, scale: 'linear' as const }, y: { parameter: 'sigmaW' as const, min: 0.1, max: 2, scale: 'linear' as const } };
  const panel = { ...DEFAULT_DIAGRAM_PANEL, row: 0.5, x: { min: 1, max: 1.5, scale: 'linear' as const } };

  it('keeps a row and range that still fit the view', () => {
    const zoomed = { ...sigmaRows, y: { ...sigmaRows.y, min: 0.4, max: 0.6 } };
    expect(panelForView(sigmaRows, zoomed, panel)).toEqual(panel);
  });

  it('drops a row of another parameter or outside the new axis', () => {
    const widths = { ...sigmaRows, y: { parameter: 'width' as const, min: 4, max: 4096, scale: 'log' as const } };
    expect(panelForView(sigmaRows, widths, panel).row).toBeUndefined();
    const elsewhere = { ...sigmaRows, y: { ...sigmaRows.y, min: 1, max: 2 } };
    expect(panelForView(sigmaRows, elsewhere, panel).row).toBeUndefined();
  });

  it('drops an x range of another learning-rate parameter', () => {
    const byC = { ...sigmaRows, x: { parameter: 'c' as const, min: 1, max: 4, scale: 'linear' as const } };
    const next = panelForView(sigmaRows, byC, panel);
    expect(next.x).toBeUndefined();
    expect(next.row).toBe(0.5);
  });
});
