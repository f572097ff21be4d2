import { beforeAll, describe, expect, it } from 'vitest';
import {
  accumulateDiagram,
  chooseDiagramPrecision,
  createDiagram,
  diagramStart,
  runHatTrajectory,
  setLogSink,
  type BifurcationDiagram,
  type DiagramDensity,
  type DiagramInput,
} from '../../src/core/index.ts';
import { DiagramPrecisionError, renderDiagram, renderDiagramOnGpu, type DiagramRender } from '../../src/gpu/diagram-engine.ts';
import { createEngine } from '../../src/gpu/engine.ts';
import { nodeAdapterSource, testEngine } from './gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

/**
 * The cascade on the EoS manifold: μP with σ_w = 0.5, whose trajectories settle on
 * q = 0. Column j sits at ỹ = η/η_c = 0.7 + (j + ½)·0.001.
 */
const CASCADE: DiagramInput = {
  experiment: { parameterization: 'muP', sigmaW: 0.5 },
  x: { parameter: 'etaRatio', min: 0.7, max: 2.0, scale: 'linear' },
  quantity: 'hessianSharpness',
  y: { min: 0, max: 3, scale: 'linear' },
  columns: 1300,
  rows: 512,
  transient: 3000,
  recorded: 512,
};

function columnAt(yTilde: number): number {
  return Math.round((yTilde - 0.7) / 0.001 - 0.5);
}

function occupiedRows(density: DiagramDensity, column: number): number[] {
  const rows: number[] = [];
  for (let row = 0; row < density.rows; row++) {
    if (density.counts[row * density.columns + column]! > 0) {
      rows.push(row);
    }
  }
  return rows;
}

function columnTotal(density: DiagramDensity, column: number): number {
  let total = 0;
  for (let row = 0; row < density.rows; row++) {
    total += density.counts[row * density.columns + column]!;
  }
  return total;
}

/** Number of runs of adjacent rows: the distinct values of a cycle whose points lie rows apart. */
function clusterCount(rows: number[]): number {
  return rows.filter((row, index) => index === 0 || row > rows[index - 1]! + 1).length;
}

/** Period that the float64 analysis detects for trajectory 0 of a column, run for transient + recorded steps. */
function referencePeriod(diagram: BifurcationDiagram, column: number): number {
  const start = diagramStart(diagram, column)!;
  return runHatTrajectory(start, start.yTilde, diagram.transient + diagram.recorded).analysis.period;
}

/** Kolmogorov–Smirnov distance between the row histograms of two columns. */
function histogramDistance(first: DiagramDensity, second: DiagramDensity, column: number): number {
  const firstTotal = columnTotal(first, column);
  const secondTotal = columnTotal(second, column);
  let firstSum = 0;
  let secondSum = 0;
  let distance = 0;
  for (let row = 0; row < first.rows; row++) {
    firstSum += first.counts[row * first.columns + column]!;
    secondSum += second.counts[row * second.columns + column]!;
    distance = Math.max(distance, Math.abs(firstSum / firstTotal - secondSum / secondTotal));
  }
  return distance;
}

/**
 * Checks that every occupied row of `gpu` lies within one row of an occupied row of the
 * reference, and the other way round. A stable cycle's float32 orbit stays within about 10⁻⁴ of
 * the float64 one (docs/precision.md), far less than one row (3/512 ≈ 0.006 here).
 * So a value changes row only when it sits that close to a row boundary, and then
 * only to the neighbouring row.
 */
function expectRowsWithinOne(gpu: number[], reference: number[], label: string): void {
  for (const row of gpu) {
    expect(reference.some((other) => Math.abs(other - row) <= 1), `${label}: GPU row ${row} vs reference ${reference.join(',')}`).toBe(true);
  }
  for (const row of reference) {
    expect(gpu.some((other) => Math.abs(other - row) <= 1), `${label}: reference row ${row} vs GPU ${gpu.join(',')}`).toBe(true);
  }
}

describe('GPU bifurcation diagram against the float64 reference', () => {
  const diagram = createDiagram(CASCADE);
  let gpu: DiagramRender;
  let reference: DiagramDensity;

  beforeAll(async () => {
    gpu = await renderDiagramOnGpu(await testEngine(), diagram);
    reference = accumulateDiagram(diagram);
  });

  it.each([
    [0.8, 1],
    [1.1, 2],
    [1.25, 4],
    [1.29, 8],
  ])('column at ỹ = %f shows period %i', (yTilde, period) => {
    const column = columnAt(yTilde);
    expect(referencePeriod(diagram, column) === period || (period === 1 && referencePeriod(diagram, column) <= 1)).toBe(true);
    const gpuRows = occupiedRows(gpu.density, column);
    expect(clusterCount(gpuRows)).toBe(period);
    expect(clusterCount(occupiedRows(reference, column))).toBe(period);
    expectRowsWithinOne(gpuRows, occupiedRows(reference, column), `ỹ = ${yTilde}`);
    expect(columnTotal(gpu.density, column)).toBe(diagram.recorded);
  });

  it('every bounded column matches within one row', () => {
    let compared = 0;
    for (let column = 0; column < diagram.columns; column++) {
      if (reference.diverged[column] !== 0 || gpu.density.diverged[column] !== 0) {
        continue;
      }
      // Chaotic columns follow other orbits in float32; they are compared by histogram below.
      if (referencePeriod(diagram, column) === 0) {
        continue;
      }
      expectRowsWithinOne(occupiedRows(gpu.density, column), occupiedRows(reference, column), `column ${column}`);
      compared += 1;
    }
    // Periodic columns run from ỹ = 0.7 to the onset of chaos near 1.302, about 600 of them.
    expect(compared).toBeGreaterThan(550);
  });

  it('diverged columns agree with the reference', () => {
    let disagreements = 0;
    let diverged = 0;
    for (let column = 0; column < diagram.columns; column++) {
      diverged += reference.diverged[column]!;
      if (reference.diverged[column] !== gpu.density.diverged[column]) {
        disagreements += 1;
      }
    }
    expect(diverged).toBeGreaterThan(100);
    // Only columns at the edge of the divergent region may differ, where float32 rounding decides.
    expect(disagreements).toBeLessThanOrEqual(4);
  });

  it('chaotic column matches in distribution', async () => {
    const chaotic = createDiagram({ ...CASCADE, x: { parameter: 'etaRatio', min: 1.495, max: 1.505, scale: 'linear' }, columns: 1, rows: 512, recorded: 20_000 });
    expect(referencePeriod(chaotic, 0)).toBe(0);
    const engine = await testEngine();
    const df64 = await renderDiagramOnGpu(engine, chaotic, {}, 'df64');
    const expected = accumulateDiagram(chaotic);
    // Both orbits sample the same invariant density, but their 20 000 steps are correlated.
    // The distance measured on lavapipe is 0.0065, and 0.05 leaves room for other drivers.
    expect(histogramDistance(df64.density, expected, 0)).toBeLessThan(0.05);
    const df64Rows = occupiedRows(df64.density, 0);
    const referenceRows = occupiedRows(expected, 0);
    expect(Math.abs(df64Rows[0]! - referenceRows[0]!)).toBeLessThanOrEqual(2);
    expect(Math.abs(df64Rows.at(-1)! - referenceRows.at(-1)!)).toBeLessThanOrEqual(2);
    // df64 visits nearly every row that float64 visits.
    expect(df64Rows.length).toBeGreaterThan(0.95 * referenceRows.length);

    // float32 falls into a cycle of a few hundred steps and repeats it, so it visits far
    // fewer rows (192 against float64's 401 on lavapipe): the reason MAX_RECORDED_STEPS
    // keeps long float32 records out.
    const float32 = await renderDiagramOnGpu(engine, chaotic, {}, 'float32');
    const float32Rows = occupiedRows(float32.density, 0);
    expect(float32Rows.length).toBeLessThan(0.8 * referenceRows.length);
  });
});

describe('GPU bifurcation diagram options', () => {
  it('tiles and chunks give identical counts', async () => {
    const diagram = createDiagram({ ...CASCADE, x: { parameter: 'etaRatio', min: 0.9, max: 1.9, scale: 'linear' }, columns: 300, samples: 2, transient: 500, recorded: 300 });
    const engine = await testEngine();
    const whole = await renderDiagramOnGpu(engine, diagram);
    const split = await renderDiagramOnGpu(engine, diagram, { maxTileTrajectories: 100, chunkSteps: 37 });
    expect(split.tiles).toBe(6);
    expect(split.chunks).toBe(6 * Math.ceil(800 / 37));
    expect(Array.from(split.density.counts)).toEqual(Array.from(whole.density.counts));
    expect(Array.from(split.density.diverged)).toEqual(Array.from(whole.density.diverged));
  });

  it('samples spread over the column', async () => {
    const diagram = createDiagram({ ...CASCADE, columns: 130, samples: 4, transient: 2000, recorded: 200 });
    const render = await renderDiagramOnGpu(await testEngine(), diagram);
    const reference = accumulateDiagram(diagram);
    for (let column = 0; column < 40; column++) {
      // Columns at ỹ < 1.1 are periodic and bounded: 4 samples × 200 recorded states each.
      expect(columnTotal(render.density, column)).toBe(800);
      expectRowsWithinOne(occupiedRows(render.density, column), occupiedRows(reference, column), `column ${column}`);
    }
  });

  it.each([
    ['loss', { min: 1e-8, max: 10, scale: 'log' }],
    ['residual', { min: -1.5, max: 1.5, scale: 'linear' }],
    ['ntkSharpness', { min: 0, max: 3, scale: 'linear' }],
  ] as const)('%s readout matches the reference', async (quantity, y) => {
    const diagram = createDiagram({ ...CASCADE, quantity, y, x: { parameter: 'etaRatio', min: 1.05, max: 1.28, scale: 'linear' }, columns: 46, rows: 256 });
    const render = await renderDiagramOnGpu(await testEngine(), diagram);
    const reference = accumulateDiagram(diagram);
    for (let column = 0; column < diagram.columns; column++) {
      const expected = occupiedRows(reference, column);
      expect(expected.length).toBeGreaterThan(0);
      expectRowsWithinOne(occupiedRows(render.density, column), expected, `${quantity} column ${column}`);
    }
  });

  it('abort stops the render', async () => {
    const diagram = createDiagram({ ...CASCADE, transient: 100_000 });
    const controller = new AbortController();
    const pending = renderDiagramOnGpu(await testEngine(), diagram, { signal: controller.signal, chunkSteps: 100, onProgress: () => controller.abort() });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('df64 bifurcation diagram', () => {
  /**
   * The upper branch of the 2-cycle across η/η_c ∈ 1.2 ± 5·10⁻⁷, whose 64 columns are
   * 1.6·10⁻⁸ apart, a seventh of a float32 ulp of ỹ. The vertical range spans the
   * branch's 1.7·10⁻⁶ rise, so each row is 3.7·10⁻⁸ of ηλ/2 = 1.558.
   */
  const zoomed: DiagramInput = {
    experiment: { parameterization: 'muP', sigmaW: 0.5 },
    x: { parameter: 'etaRatio', min: 1.2 - 5e-7, max: 1.2 + 5e-7, scale: 'linear' },
    quantity: 'ntkSharpness',
    y: { min: 1.5582564, max: 1.5582588, scale: 'linear' },
    columns: 64,
    rows: 64,
    transient: 3000,
    recorded: 64,
  };

  it('resolves a view that float32 cannot', async () => {
    const diagram = createDiagram(zoomed);
    expect(chooseDiagramPrecision(diagram).precision).toBe('df64');
    const engine = await testEngine();
    const df64 = await renderDiagramOnGpu(engine, diagram, {}, 'df64');
    const float32 = await renderDiagramOnGpu(engine, diagram, {}, 'float32');
    const reference = accumulateDiagram(diagram);
    let float32Mismatches = 0;
    for (let column = 0; column < diagram.columns; column++) {
      const expected = occupiedRows(reference, column);
      // The branch crosses the range as one row per column, from bottom right to top left.
      expect(expected.length).toBe(1);
      expectRowsWithinOne(occupiedRows(df64.density, column), expected, `df64 column ${column}`);
      const float32Rows = occupiedRows(float32.density, column);
      if (!float32Rows.every((row) => expected.some((other) => Math.abs(other - row) <= 1))) {
        float32Mismatches += 1;
      }
    }
    // The same comparison fails for float32, which runs only eight distinct ỹ values here.
    expect(float32Mismatches).toBeGreaterThan(20);
    expect(df64.arithmetic).toBe('df64');
  });

  it('renderDiagram picks df64 automatically', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    try {
      const render = await renderDiagram(engine, createDiagram(zoomed));
      expect(render.arithmetic).toBe('df64');
      expect(render.engine).toBe('webgpu');
      await expect(renderDiagram(engine, createDiagram(zoomed), { precision: 'float32' })).rejects.toThrow(DiagramPrecisionError);
      // For a record longer than float32 draws, the error advises a shorter record, not a wider range.
      const long = createDiagram({ ...CASCADE, columns: 16, transient: 100, recorded: 65 });
      await expect(renderDiagram(engine, long, { precision: 'float32' })).rejects.toThrow(/Record at most 64 steps in float32/);
    } finally {
      engine.dispose();
    }
  });
});
