import { describe, expect, it } from 'vitest';
import { analyzeFixedPoints, createExperiment, eosManifold, lambdaNullcline, residualNullcline, simulateExperiment, vectorField } from '../../src/core/index.ts';
import type { ExperimentInput, FixedPoint, StateReadout, VectorField } from '../../src/core/index.ts';
import {
  arrowGlyphs,
  clipPolyline,
  clipSegment,
  createAxisScale,
  decimateColumns,
  escapeCount,
  fieldGridSize,
  finiteBounds,
  logInterval,
  padInterval,
  phasePlaneRanges,
  sampleCurve,
  seriesFromReadouts,
  trajectoryPath,
  trajectorySeries,
  unreachablePolygon,
  visibleFixedPoints,
  type Box,
} from '../../src/ui/inspector-geometry.ts';

function readout(step: number, residual: number, lambda: number): StateReadout {
  return { step, f: residual + 1, residual, lambda, lambdaHessian: lambda, loss: 0.5 * residual * residual };
}

describe('seriesFromReadouts', () => {
  const readouts = [readout(0, 0.5, 1), readout(1, -0.7, 2), readout(2, 3, 9), readout(3, 1e30, Infinity)];

  it('keeps every state without divergence', () => {
    const series = seriesFromReadouts(readouts.slice(0, 3), -1);
    expect(series.count).toBe(3);
    expect(Array.from(series.residual)).toEqual([0.5, -0.7, 3]);
    expect(Array.from(series.loss)).toEqual(readouts.slice(0, 3).map((state) => state.loss));
  });

  it('cuts at the divergence step', () => {
    const series = seriesFromReadouts(readouts, 3);
    expect(series.count).toBe(3);
    expect(series.divergenceStep).toBe(3);
  });

  it('keeps state 0 after divergence at step 0', () => {
    expect(seriesFromReadouts(readouts.slice(0, 1), 0).count).toBe(1);
  });

  it('cuts before a non-finite readout', () => {
    expect(seriesFromReadouts(readouts, -1).count).toBe(3);
  });
});

describe('escapeCount', () => {
  it('stops at the first state outside the box', () => {
    const series = { count: 5, residual: Float64Array.of(1, 2, 5, 50, 1e5), lambda: Float64Array.of(1, 1, 1, 1, 1) };
    expect(escapeCount(series, { residual: 1, lambda: 1 }, 10)).toBe(3);
  });

  it('watches λ too', () => {
    const series = { count: 3, residual: Float64Array.of(0, 0, 0), lambda: Float64Array.of(1, 11, 1) };
    expect(escapeCount(series, { residual: 1, lambda: 1 }, 10)).toBe(1);
  });

  it('keeps at least the first state', () => {
    const series = { count: 2, residual: Float64Array.of(1e9, 1e10), lambda: Float64Array.of(1, 1) };
    expect(escapeCount(series, { residual: 1, lambda: 1 }, 10)).toBe(1);
  });

  it('keeps all states of a bounded run', () => {
    const series = { count: 3, residual: Float64Array.of(1, -1, 1), lambda: Float64Array.of(2, 3, 2) };
    expect(escapeCount(series, { residual: 1, lambda: 1 }, 10)).toBe(3);
  });
});

describe('trajectorySeries', () => {
  it('fits a diverged run to its approach', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 2.3, steps: 200 });
    const run = simulateExperiment(experiment, { keepStates: true });
    expect(run.analysis.phase).toBe('diverged');
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);

    expect(series.count).toBe(run.analysis.divergenceStep);
    expect(series.fitCount).toBeGreaterThan(0);
    expect(series.fitCount).toBeLessThan(series.count);
    const ranges = phasePlaneRanges(experiment, series);
    // The start stays visible, and the range is not set by the last, exploding states.
    expect(ranges.lambda[1]).toBeLessThan(series.lambda[series.count - 1]!);
    expect(series.lambda[0]!).toBeGreaterThanOrEqual(ranges.lambda[0]);
    expect(series.lambda[0]!).toBeLessThanOrEqual(ranges.lambda[1]);
  });

  it('fits a bounded run to every state', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, steps: 300 });
    const run = simulateExperiment(experiment, { keepStates: true });
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    expect(series.count).toBe(301);
    expect(series.fitCount).toBe(301);
  });

  it('handles divergence at step 0', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1e9, steps: 10 });
    const run = simulateExperiment(experiment, { keepStates: true });
    expect(run.analysis.divergenceStep).toBe(0);
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    expect(series.count).toBe(1);
    expect(series.fitCount).toBe(1);
    const ranges = phasePlaneRanges(experiment, series);
    for (const range of [ranges.residual, ranges.lambda]) {
      expect(Number.isFinite(range[0])).toBe(true);
      expect(Number.isFinite(range[1])).toBe(true);
      expect(range[0]).toBeLessThan(range[1]);
    }
  });
});

describe('phasePlaneRanges', () => {
  it('takes in a saddle next to the orbit', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, steps: 300 });
    const run = simulateExperiment(experiment, { keepStates: true });
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    const saddle = analyzeFixedPoints(experiment).points.find((point) => point.name === 'saddle-plus')!;
    const without = phasePlaneRanges(experiment, series);
    const ranges = phasePlaneRanges(experiment, series, [saddle]);

    expect(saddle.residual).toBeGreaterThan(without.residual[1]);
    expect(saddle.residual).toBeLessThanOrEqual(ranges.residual[1]);
    expect(saddle.lambda).toBeLessThanOrEqual(ranges.lambda[1]);
  });

  it('leaves out far or unreachable fixed points', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, steps: 300 });
    const run = simulateExperiment(experiment, { keepStates: true });
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    const base = analyzeFixedPoints(experiment).points[0]!;
    const without = phasePlaneRanges(experiment, series);
    const far = { ...base, residual: 100, lambda: 100 };
    const unreachable = { ...base, residual: without.residual[1] + 0.1, lambda: 0.1, reachable: false };
    expect(phasePlaneRanges(experiment, series, [far, unreachable])).toEqual(without);
  });

  it('contains every fitted state and the line of minima', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 0.6, sigmaW: 1.5, width: 4096, steps: 200 });
    const run = simulateExperiment(experiment, { keepStates: true });
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    const ranges = phasePlaneRanges(experiment, series);
    for (let i = 0; i < series.fitCount; i++) {
      expect(series.residual[i]!).toBeGreaterThanOrEqual(ranges.residual[0]);
      expect(series.residual[i]!).toBeLessThanOrEqual(ranges.residual[1]);
      expect(series.lambda[i]!).toBeGreaterThanOrEqual(ranges.lambda[0]);
      expect(series.lambda[i]!).toBeLessThanOrEqual(ranges.lambda[1]);
    }
    expect(ranges.residual[0]).toBeLessThan(0);
    expect(ranges.residual[1]).toBeGreaterThan(0);
  });
});

describe('padInterval', () => {
  it('adds margins', () => {
    expect(padInterval([0, 10], { margin: 0.1 })).toEqual([-1, 11]);
  });

  it('widens a single point', () => {
    expect(padInterval([5, 5], { margin: 0 })).toEqual([4.5, 5.5]);
    expect(padInterval([0, 0], { margin: 0 })).toEqual([-1, 1]);
    expect(padInterval([2, 2], { margin: 0, pointHalfWidth: 0.25 })).toEqual([1.75, 2.25]);
  });

  it('widens a span lost in rounding', () => {
    const [low, high] = padInterval([1, 1 + 1e-12], { margin: 0 });
    expect(high - low).toBeGreaterThan(0.1);
  });

  it('takes in near values only', () => {
    expect(padInterval([1, 2], { margin: 0, includeNear: [2.5] })).toEqual([1, 2.5]);
    expect(padInterval([1, 2], { margin: 0, includeNear: [10] })).toEqual([1, 2]);
    expect(padInterval([1, 2], { margin: 0, include: [10] })).toEqual([1, 10]);
  });

  it('applies the lower limit', () => {
    expect(padInterval([0, 10], { margin: 0.1, lowerLimit: 0 })).toEqual([0, 11]);
    expect(padInterval([-5, 10], { margin: 0, lowerLimit: 0 })).toEqual([-5, 10]);
  });

  it('returns a finite interval without bounds', () => {
    expect(padInterval(undefined)).toEqual([-1, 1]);
    expect(padInterval(undefined, { include: [0], margin: 0 })).toEqual([-1, 1]);
    expect(padInterval(undefined, { pointHalfWidth: 3 })).toEqual([-3, 3]);
  });

  it('survives values near the double limit', () => {
    const [low, high] = padInterval([-1e308, 1.7e308]);
    expect(Number.isFinite(low)).toBe(true);
    expect(Number.isFinite(high)).toBe(true);
    expect(low).toBeLessThan(high);
  });
});

describe('finiteBounds', () => {
  it('ignores non-finite values', () => {
    expect(finiteBounds([NaN, 3, -2, Infinity, 1].slice(0, 3))).toEqual([-2, 3]);
    expect(finiteBounds([NaN, NaN])).toBeUndefined();
  });

  it('reads only the first count values', () => {
    expect(finiteBounds([1, 2, 100], 2)).toEqual([1, 2]);
  });
});

describe('logInterval', () => {
  it('covers the positive values with margins', () => {
    const [low, high] = logInterval([1e-6, 0, 3, 10]);
    expect(low).toBeLessThan(1e-6);
    expect(high).toBeGreaterThan(10);
    expect(low).toBeGreaterThan(0);
  });

  it('limits the span to 40 decades', () => {
    const [low, high] = logInterval([1e-300, 1]);
    expect(Math.log10(high / low)).toBeLessThan(45);
  });

  it('widens a single value', () => {
    const [low, high] = logInterval([2, 2]);
    expect(low).toBeLessThan(2);
    expect(high).toBeGreaterThan(2);
  });

  it('falls back without positive values', () => {
    expect(logInterval([0, -1, NaN])).toEqual([1e-3, 1]);
  });
});

describe('createAxisScale', () => {
  it('maps a linear domain onto pixels', () => {
    const scale = createAxisScale([0, 10], [100, 0]);
    expect(scale.toPixel(0)).toBe(100);
    expect(scale.toPixel(10)).toBe(0);
    expect(scale.toPixel(2.5)).toBe(75);
  });

  it('maps a log domain onto pixels', () => {
    const scale = createAxisScale([1e-4, 1], [0, 400], true);
    expect(scale.toPixel(1e-2)).toBeCloseTo(200, 10);
    expect(scale.toPixel(0)).toBe(0);
  });
});

describe('decimateColumns', () => {
  it('keeps every index when short', () => {
    expect(Array.from(decimateColumns([1, 2, 3], 3, 10))).toEqual([0, 1, 2]);
  });

  it('bounds the output and keeps order', () => {
    const values = Float64Array.from({ length: 100_000 }, (_, i) => Math.sin(i * 0.37));
    const kept = decimateColumns(values, values.length, 200);
    expect(kept.length).toBeLessThanOrEqual(800);
    for (let i = 1; i < kept.length; i++) {
      expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
    }
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(values.length - 1);
  });

  it('keeps a single-step spike', () => {
    const values = new Float64Array(1_000_000);
    values[654_321] = 7;
    values[123_457] = -3;
    const kept = Array.from(decimateColumns(values, values.length, 300));
    expect(kept).toContain(654_321);
    expect(kept).toContain(123_457);
  });

  it('keeps each column extremes', () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => ((i * 7919) % 1000) - 500);
    const columns = 50;
    const kept = new Set(decimateColumns(values, values.length, columns));
    for (let column = 0; column < columns; column++) {
      const start = (column * values.length) / columns;
      const slice = Array.from(values.subarray(start, start + values.length / columns));
      const keptValues = slice.filter((_, offset) => kept.has(start + offset));
      expect(Math.max(...keptValues)).toBe(Math.max(...slice));
      expect(Math.min(...keptValues)).toBe(Math.min(...slice));
    }
  });

  it('never picks NaN as an extreme', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i % 3 === 0 ? NaN : i));
    const kept = decimateColumns(values, values.length, 10);
    const interior = Array.from(kept).filter((index) => index % 100 !== 0 && index % 100 !== 99);
    for (const index of interior) {
      expect(Number.isNaN(values[index]!)).toBe(false);
    }
  });
});

describe('clipSegment', () => {
  const box: Box = { xMin: 0, xMax: 10, yMin: 0, yMax: 10 };

  it('keeps an inside segment', () => {
    expect(clipSegment(1, 1, 9, 9, box)).toEqual([1, 1, 9, 9]);
  });

  it('cuts a crossing segment at the edges', () => {
    expect(clipSegment(-10, 5, 20, 5, box)).toEqual([0, 5, 10, 5]);
  });

  it('drops an outside segment', () => {
    expect(clipSegment(-5, -5, -1, 20, box)).toBeUndefined();
    expect(clipSegment(11, 0, 11, 10, box)).toBeUndefined();
  });

  it('clips a very long segment', () => {
    const clipped = clipSegment(5, 5, 5, 1e300, box)!;
    expect(clipped).toEqual([5, 5, 5, 10]);
  });
});

describe('clipPolyline', () => {
  const box: Box = { xMin: 0, xMax: 10, yMin: 0, yMax: 10 };

  it('splits where the line leaves and re-enters', () => {
    const pieces = clipPolyline([1, 5, 9], [5, 20, 5], box);
    expect(pieces.length).toBe(2);
    expect(Array.from(pieces[0]!)).toEqual([1, 5, expect.closeTo(2.333, 2), 10]);
    expect(pieces[1]![pieces[1]!.length - 2]).toBe(9);
  });

  it('breaks at non-finite points', () => {
    const pieces = clipPolyline([1, 2, 3, 4, 5], [1, 2, NaN, 4, 5], box);
    expect(pieces.map((piece) => Array.from(piece))).toEqual([
      [1, 1, 2, 2],
      [4, 4, 5, 5],
    ]);
  });

  it('keeps a single point inside', () => {
    expect(clipPolyline([3], [4], box).map((piece) => Array.from(piece))).toEqual([[3, 4]]);
    expect(clipPolyline([30], [4], box)).toEqual([]);
  });
});

describe('trajectoryPath', () => {
  const box: Box = { xMin: 0, xMax: 100, yMin: 0, yMax: 100 };
  const xScale = createAxisScale([0, 1], [0, 100]);
  const yScale = createAxisScale([0, 1], [100, 0]);

  it('drops repeats of the same pixel', () => {
    const xs = [0.105, 0.1051, 0.505, 0.505, 0.905];
    const ys = [0.105, 0.1051, 0.505, 0.505, 0.905];
    const path = trajectoryPath(xs, ys, xs.length, xScale, yScale, box);
    expect(path.vertices.length).toBe(6);
    expect(path.lineStates).toBe(5);
    expect(path.dots.length).toBe(0);
  });

  it('turns states past the budget into unique dots', () => {
    // A period-2 orbit: after the budget, two pixels however long the run.
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.25 : 0.75));
    const ys = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.25 : 0.75));
    const path = trajectoryPath(xs, ys, n, xScale, yScale, box, 100);
    expect(path.vertices.length).toBe(200);
    expect(path.lineStates).toBe(100);
    expect(path.dots.length).toBe(4);
  });

  it('clips an escaping trajectory', () => {
    const xs = [0.5, 0.6, 1e12];
    const ys = [0.5, 0.6, 1e12];
    const path = trajectoryPath(xs, ys, 3, xScale, yScale, box);
    expect(path.lines.length).toBe(1);
    for (const value of path.lines[0]!) {
      expect(Math.abs(value)).toBeLessThan(1000);
    }
  });
});

describe('sampleCurve', () => {
  const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2 });

  it('breaks the λ-nullcline at its pole', () => {
    const pieces = sampleCurve((residual) => lambdaNullcline(experiment, residual), [-2, 2], [0, 10], 401);
    expect(pieces.length).toBe(2);
    for (const piece of pieces) {
      const xs = piece.filter((_, i) => i % 2 === 0);
      // Each piece stays on one side of Δf = 0.
      expect(xs.every((x) => x <= 0) || xs.every((x) => x >= 0)).toBe(true);
    }
  });

  it('samples points on the curve', () => {
    const pieces = sampleCurve((residual) => residualNullcline(experiment, residual), [-1.5, 1.5], [0, 5], 100);
    expect(pieces.length).toBeGreaterThan(0);
    for (const piece of pieces) {
      for (let i = 0; i < piece.length; i += 2) {
        expect(piece[i + 1]!).toBeCloseTo(residualNullcline(experiment, piece[i]!), 9);
      }
    }
  });

  it('stays inside the extended range', () => {
    const pieces = sampleCurve((residual) => 1 / residual ** 3, [-1, 1], [0, 1], 101);
    for (const piece of pieces) {
      for (let i = 1; i < piece.length; i += 2) {
        expect(piece[i]!).toBeGreaterThanOrEqual(-1);
        expect(piece[i]!).toBeLessThanOrEqual(2);
      }
    }
  });
});

describe('unreachablePolygon', () => {
  it('follows both wedge edges through the vertex', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, target: 1 });
    const polygon = unreachablePolygon(experiment, [-3, 2], [0, 10]);
    const points = [];
    for (let i = 0; i < polygon.length; i += 2) {
      points.push([polygon[i]!, polygon[i + 1]!]);
    }
    expect(points).toContainEqual([-1, 0]);
    expect(points[1]).toEqual([-3, Math.abs(eosManifold(experiment, -3))]);
    expect(points[3]).toEqual([2, eosManifold(experiment, 2)]);
  });

  it('cuts steep edges above the range', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, target: 1 });
    const polygon = unreachablePolygon(experiment, [-1e6, 1e6], [0, 1]);
    for (let i = 1; i < polygon.length; i += 2) {
      expect(Math.abs(polygon[i]!)).toBeLessThanOrEqual(2);
    }
    // The cut points lie on the wedge edges.
    for (let i = 0; i < polygon.length; i += 2) {
      if (polygon[i + 1] === 2 && Math.abs(polygon[i]!) < 1e6) {
        expect(Math.abs(eosManifold(experiment, polygon[i]!))).toBeCloseTo(2, 9);
      }
    }
  });

  it('skips the vertex outside the range', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2, target: 1 });
    expect(unreachablePolygon(experiment, [0, 2], [0, 10]).length).toBe(8);
  });
});

describe('visibleFixedPoints', () => {
  const base: Omit<FixedPoint, 'name' | 'residual' | 'lambda' | 'reachable'> = {
    eigenvalues: [
      [2, 0],
      [0.5, 0],
    ],
    stability: 'saddle',
  };
  const ranges = { residual: [-1, 1] as [number, number], lambda: [0, 4] as [number, number] };

  it('keeps reachable points inside the ranges', () => {
    const points: FixedPoint[] = [
      { ...base, name: 'saddle-plus', residual: 0.5, lambda: 3, reachable: true },
      { ...base, name: 'saddle-minus', residual: 0.5, lambda: 3, reachable: false },
      { ...base, name: 'origin', residual: -5, lambda: 0, reachable: true },
    ];
    expect(visibleFixedPoints(points, ranges).map((point) => point.name)).toEqual(['saddle-plus']);
  });
});

describe('arrowGlyphs', () => {
  const xScale = createAxisScale([0, 10], [0, 100]);
  const yScale = createAxisScale([0, 10], [100, 0]);
  const field: VectorField = {
    residuals: Float64Array.of(2, 8),
    lambdas: Float64Array.of(5),
    residualDisplacement: Float64Array.of(3, NaN),
    lambdaDisplacement: Float64Array.of(4, NaN),
  };

  it('draws one arrow per finite node', () => {
    expect(arrowGlyphs(field, xScale, yScale, 10).length).toBe(1);
  });

  it('normalizes length and keeps direction', () => {
    const [arrow] = arrowGlyphs(field, xScale, yScale, 10);
    expect(Math.hypot(arrow!.tipX - arrow!.tailX, arrow!.tipY - arrow!.tailY)).toBeCloseTo(10, 10);
    // (3, 4) in data is (30, −40) on screen: right and up.
    expect((arrow!.tipX - arrow!.tailX) / 10).toBeCloseTo(0.6, 10);
    expect((arrow!.tipY - arrow!.tailY) / 10).toBeCloseTo(-0.8, 10);
    // Centred on the node (20, 50).
    expect((arrow!.tipX + arrow!.tailX) / 2).toBeCloseTo(20, 10);
    expect((arrow!.tipY + arrow!.tailY) / 2).toBeCloseTo(50, 10);
  });

  it('puts the barbs behind the tip', () => {
    const [arrow] = arrowGlyphs(field, xScale, yScale, 10, 4);
    const [lx, ly, rx, ry] = arrow!.barbs;
    const ux = 0.6;
    const uy = -0.8;
    for (const [bx, by] of [
      [lx, ly],
      [rx, ry],
    ] as const) {
      expect((arrow!.tipX - bx) * ux + (arrow!.tipY - by) * uy).toBeCloseTo(4, 10);
    }
  });

  it('skips zero and huge displacements safely', () => {
    const special: VectorField = {
      residuals: Float64Array.of(2, 8),
      lambdas: Float64Array.of(5),
      residualDisplacement: Float64Array.of(0, 1e300),
      lambdaDisplacement: Float64Array.of(0, 1e300),
    };
    const arrows = arrowGlyphs(special, xScale, yScale, 10);
    expect(arrows.length).toBe(1);
    expect(Math.hypot(arrows[0]!.tipX - arrows[0]!.tailX, arrows[0]!.tipY - arrows[0]!.tailY)).toBeCloseTo(10, 8);
  });

  it('works on a real vector field', () => {
    const experiment = createExperiment({ parameterization: 'muP', learningRate: 1.2 });
    const { columns, rows } = fieldGridSize(400, 300);
    const real = vectorField(experiment, [-1, 1], [0.5, 3], columns, rows);
    const arrows = arrowGlyphs(real, createAxisScale([-1, 1], [0, 400]), createAxisScale([0.5, 3], [300, 0]), 12);
    expect(arrows.length).toBeGreaterThan(0);
    expect(arrows.length).toBeLessThanOrEqual(columns * rows);
  });
});

describe('inspector geometry on extreme experiments', () => {
  const inputs: Array<[string, ExperimentInput]> = [
    ['immediate divergence', { parameterization: 'muP', learningRate: 1e12, steps: 5 }],
    ['zero target', { parameterization: 'muP', learningRate: 0.5, target: 0, steps: 50 }],
    ['zero target off the minimum', { parameterization: 'muP', target: 0, learningRate: 0.9, init: { kind: 'explicit', f0: 0.5, lambda0: 2 }, steps: 50 }],
    ['negative target', { parameterization: 'muP', learningRate: 1.2, target: -2, steps: 300 }],
    ['tiny learning rate', { parameterization: 'muP', learningRate: 1e-9, steps: 20 }],
    ['wide NTP', { width: 1_000_000, parameterization: 'NTP', learningRate: 3, init: { kind: 'sampled', seed: 1 }, steps: 200 }],
    ['wedge edge', { parameterization: 'muP', learningRate: 1.9, init: { kind: 'explicit', f0: 0.3, lambda0: 0.6 }, steps: 2000 }],
    ['near the origin', { parameterization: 'muP', learningRate: 1, sigmaU: 0, sigmaV: 1e-150, steps: 20 }],
    ['late divergence', { parameterization: 'muP', learningRate: 2.05, init: { kind: 'explicit', f0: 0.2, lambda0: 1.5 }, steps: 3000 }],
  ];

  it.each(inputs)('%s gives finite geometry', (_name, input) => {
    const experiment = createExperiment(input);
    const run = simulateExperiment(experiment, { keepStates: true });
    const series = trajectorySeries(experiment, run.readouts!, run.analysis.divergenceStep);
    const ranges = phasePlaneRanges(experiment, series, analyzeFixedPoints(experiment).points);

    expect(series.count).toBeGreaterThan(0);
    for (const range of [ranges.residual, ranges.lambda, logInterval(series.loss, series.count)]) {
      expect(Number.isFinite(range[0])).toBe(true);
      expect(Number.isFinite(range[1])).toBe(true);
      expect(range[0]).toBeLessThan(range[1]);
    }

    const xScale = createAxisScale(ranges.residual, [50, 650]);
    const yScale = createAxisScale(ranges.lambda, [450, 10]);
    const box: Box = { xMin: 50, xMax: 650, yMin: 10, yMax: 450 };
    const path = trajectoryPath(series.residual, series.lambda, series.count, xScale, yScale, box);
    for (const piece of path.lines) {
      expect(piece.every(Number.isFinite)).toBe(true);
    }
    const curves = [residualNullcline, lambdaNullcline, eosManifold].flatMap((curve) =>
      sampleCurve((residual) => curve(experiment, residual), ranges.residual, ranges.lambda),
    );
    for (const piece of curves) {
      expect(piece.every(Number.isFinite)).toBe(true);
    }
    expect(unreachablePolygon(experiment, ranges.residual, ranges.lambda).every(Number.isFinite)).toBe(true);
    const field = vectorField(experiment, ranges.residual, ranges.lambda, 12, 10);
    for (const arrow of arrowGlyphs(field, xScale, yScale, 12)) {
      expect([arrow.tailX, arrow.tailY, arrow.tipX, arrow.tipY, ...arrow.barbs].every(Number.isFinite)).toBe(true);
    }
  });
});
