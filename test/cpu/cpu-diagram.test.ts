import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accumulateDiagram, consoleSink, createDiagram, emptyDensity, setLogSink, type DiagramDensity, type DiagramInput } from '../../src/core/index.ts';
import { accumulateDiagramColumns, addDiagramColumns } from '../../src/gpu/cpu/diagram-columns.ts';
import { renderDiagramOnCpu, type DiagramProgress } from '../../src/gpu/diagram-engine.ts';

/**
 * The cascade at σ_w = 0.5 from η/η_c = 0.9 to 2.05, from periodic to diverged columns,
 * with 3 samples per column. 48 columns on 2 workers make 16 batches of 3.
 */
const SMALL_DIAGRAM: DiagramInput = {
  experiment: { parameterization: 'muP', sigmaW: 0.5 },
  x: { parameter: 'etaRatio', min: 0.9, max: 2.05, scale: 'linear' },
  quantity: 'hessianSharpness',
  y: { min: 0, max: 3, scale: 'linear' },
  columns: 48,
  rows: 64,
  transient: 300,
  recorded: 64,
  samples: 3,
};

/** 64 columns of 10⁵ steps: 4 batches in the calling thread and 16 on 2 workers. */
const LONG_DIAGRAM: DiagramInput = { ...SMALL_DIAGRAM, columns: 64, samples: 1, transient: 100_000, recorded: 64 };

function sum(values: Uint32Array): number {
  return values.reduce((total, value) => total + value, 0);
}

function expectSameDensity(actual: DiagramDensity, expected: DiagramDensity, label: string): void {
  expect(Array.from(actual.counts), `${label} counts`).toEqual(Array.from(expected.counts));
  expect(Array.from(actual.diverged), `${label} diverged`).toEqual(Array.from(expected.diverged));
  expect(Array.from(actual.invalid), `${label} invalid`).toEqual(Array.from(expected.invalid));
}

/** Warnings logged during a test, so a silent fallback to the calling thread fails the worker tests. */
let warnings: string[] = [];

beforeEach(() => {
  warnings = [];
  setLogSink({ info: () => undefined, warn: (scope, category, message) => warnings.push(`${scope} ${category}: ${message}`) });
});

afterEach(() => setLogSink(consoleSink));

describe('accumulateDiagramColumns', () => {
  it('batches add up to accumulateDiagram', () => {
    const diagram = createDiagram(SMALL_DIAGRAM);
    const reference = accumulateDiagram(diagram);
    const density = emptyDensity(diagram);
    // Uneven batches, out of column order, and each batch twice: a scratch that is not zeroed again would double counts.
    for (const [firstColumn, columnCount] of [
      [40, 8],
      [0, 7],
      [7, 1],
      [8, 32],
    ] as const) {
      const first = accumulateDiagramColumns(diagram, firstColumn, columnCount);
      const second = accumulateDiagramColumns(diagram, firstColumn, columnCount);
      expect(Array.from(second.counts), `columns from ${firstColumn}`).toEqual(Array.from(first.counts));
      expect(first.counts.length).toBe(diagram.rows * columnCount);
      addDiagramColumns(density, first);
    }
    expectSameDensity(density, reference, 'batches');
    // The diagram must record states and diverge in places, or equality would prove little.
    expect(sum(reference.counts)).toBeGreaterThan(0);
    expect(sum(reference.diverged)).toBeGreaterThan(0);
  });

  it('rejects columns outside the diagram', () => {
    const diagram = createDiagram(SMALL_DIAGRAM);
    expect(() => accumulateDiagramColumns(diagram, -1, 1)).toThrow(RangeError);
    expect(() => accumulateDiagramColumns(diagram, diagram.columns, 1)).toThrow(RangeError);
    expect(() => accumulateDiagramColumns(diagram, 0, 0)).toThrow(RangeError);
    expect(() => accumulateDiagramColumns(diagram, 40, 9)).toThrow(RangeError);
  });
});

describe('renderDiagramOnCpu', () => {
  it('workers match the single-thread counts', async () => {
    const diagram = createDiagram(SMALL_DIAGRAM);
    const reference = accumulateDiagram(diagram);

    const onWorkers = await renderDiagramOnCpu(diagram, { workers: 2 });
    expectSameDensity(onWorkers.density, reference, 'workers 2');
    expect(onWorkers.chunks).toBe(16);
    expect(warnings).toEqual([]);

    const inThread = await renderDiagramOnCpu(diagram, { workers: 0 });
    expectSameDensity(inThread.density, reference, 'workers 0');
  });

  it('default worker count matches', async () => {
    const diagram = createDiagram(SMALL_DIAGRAM);
    const render = await renderDiagramOnCpu(diagram);
    expectSameDensity(render.density, accumulateDiagram(diagram), 'default workers');
    expect(warnings).toEqual([]);
  });

  it('reports monotone progress ending at total', async () => {
    const diagram = createDiagram(LONG_DIAGRAM);
    const total = diagram.columns * diagram.samples * (diagram.transient + diagram.recorded);
    for (const workers of [2, 0]) {
      const calls: DiagramProgress[] = [];
      const render = await renderDiagramOnCpu(diagram, { workers, onProgress: (progress) => calls.push(progress) });
      expect(calls.length, `workers ${workers}`).toBe(render.chunks);
      expect(calls.length, `workers ${workers}`).toBeGreaterThan(1);
      for (let index = 0; index < calls.length; index++) {
        expect(calls[index]!.total, `workers ${workers}, call ${index}`).toBe(total);
        expect(calls[index]!.done, `workers ${workers}, call ${index}`).toBeGreaterThan(index === 0 ? 0 : calls[index - 1]!.done);
      }
      expect(calls.at(-1)!.done, `workers ${workers}`).toBe(total);
    }
    expect(warnings).toEqual([]);
  });

  it('rejects an aborted render with AbortError', async () => {
    const diagram = createDiagram(LONG_DIAGRAM);
    for (const workers of [2, 0]) {
      const controller = new AbortController();
      const calls: DiagramProgress[] = [];
      const render = renderDiagramOnCpu(diagram, {
        workers,
        signal: controller.signal,
        onProgress: (progress) => {
          calls.push(progress);
          controller.abort();
        },
      });
      await expect(render, `workers ${workers}`).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls.length, `workers ${workers}`).toBeGreaterThan(0);
      expect(calls.at(-1)!.done, `workers ${workers}`).toBeLessThan(calls.at(-1)!.total);
    }
  });

  it('rejects an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const render = renderDiagramOnCpu(createDiagram(SMALL_DIAGRAM), { workers: 2, signal: controller.signal });
    await expect(render).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects an invalid worker count', async () => {
    const diagram = createDiagram(SMALL_DIAGRAM);
    await expect(renderDiagramOnCpu(diagram, { workers: -1 })).rejects.toThrow(RangeError);
    await expect(renderDiagramOnCpu(diagram, { workers: 1.5 })).rejects.toThrow(RangeError);
  });
});
