/**
 * The df64 trajectory kernel on a view that float32 cannot resolve: η/η_c
 * across 10⁻⁶ around the doubling point ỹ₇ = 1.3022534377 of the cascade
 * (period 64 → 128, docs/science.md). 32 pixels are 3.1·10⁻⁸ apart there, a
 * quarter of a float32 ulp, so float32 runs only about 8 distinct η/η_c values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessPrecisionOf, createView, setLogSink, type ViewLayers } from '../../src/core/index.ts';
import { renderViewOnCpu } from '../../src/gpu/cpu/cpu-engine.ts';
import { createEngine, PrecisionError, resolveRenderPrecision, type Engine } from '../../src/gpu/engine.ts';
import { nodeAdapterSource, testEngine } from './gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

const DOUBLING_POINT = 1.3022534377421295;
const view = createView({
  experiment: { parameterization: 'muP', learningRate: 1, steps: 4000 },
  x: { parameter: 'etaRatio', min: DOUBLING_POINT - 5e-7, max: DOUBLING_POINT + 5e-7, scale: 'linear' },
  y: { parameter: 'sigmaW', min: 0.5, max: 0.6, scale: 'linear' },
  columns: 32,
  rows: 8,
});
const PIXELS = view.columns * view.rows;

/** Pixels whose phase or period differs between two renders. */
function differingPixels(actual: ViewLayers, expected: ViewLayers): number[] {
  const pixels: number[] = [];
  for (let p = 0; p < PIXELS; p++) {
    if (actual.phase[p] !== expected.phase[p] || actual.period[p] !== expected.period[p]) {
      pixels.push(p);
    }
  }
  return pixels;
}

describe('df64 in the period-doubling cascade', () => {
  let reference: ViewLayers;

  beforeAll(async () => {
    reference = await renderViewOnCpu(view, { workers: 0 });
  });

  it('float64 reference crosses the doubling point', () => {
    // Period 64 left of ỹ₇, a period beyond the detector's 64 (phase unresolved) right of it.
    const periods = new Set(reference.period);
    expect(periods.has(64)).toBe(true);
    expect(periods.has(0)).toBe(true);
    let rowsWithBoth = 0;
    for (let row = 0; row < view.rows; row++) {
      const rowPeriods = new Set(reference.period.slice(row * view.columns, (row + 1) * view.columns));
      rowsWithBoth += rowPeriods.size > 1 ? 1 : 0;
    }
    expect(rowsWithBoth).toBeGreaterThan(0);
  });

  it('df64 matches float64 at every pixel', async () => {
    const engine = await testEngine();
    const render = await engine.render(view, { precision: 'df64' });
    render.results?.destroy();
    expect(render.precision).toBe('df64');
    expect(differingPixels(render.layers, reference)).toEqual([]);
  });

  it('float32 differs from float64', async () => {
    // The check above can fail: float32 collapses neighbouring columns and rounds the orbit.
    const engine = await testEngine();
    const render = await engine.render(view, { precision: 'float32' });
    render.results?.destroy();
    expect(differingPixels(render.layers, reference).length).toBeGreaterThan(PIXELS / 10);
  });
});

describe('engine precision choice', () => {
  let engine: Engine;

  beforeAll(async () => {
    engine = await createEngine({ adapterSource: nodeAdapterSource, workers: 0 });
  });

  afterAll(() => {
    engine.dispose();
  });

  it('auto renders the cascade view in df64', async () => {
    const result = await engine.render(view);
    result.results?.destroy();
    expect(result.engine).toBe('webgpu');
    expect(result.arithmetic).toBe('df64');
    expect(result.precision.beyondFloat32).toBe(true);
  });

  it('auto falls back to float64 beyond df64', async () => {
    // 3.1e-14 apart: 0.55 df64 ulps but 141 float64 ulps.
    const deep = createView({ ...view, x: { ...view.x, min: 1.3, max: 1.3 + 1e-12 }, rows: 2, experiment: { ...view.experiment, steps: 200 } });
    expect(assessPrecisionOf(deep, 'df64').resolved).toBe(false);
    const result = await engine.render(deep);
    expect(result.engine).toBe('cpu');
    expect(result.arithmetic).toBe('float64');
    expect(result.description).toContain('beyond df64');
  });

  it('raises when no precision resolves the view', async () => {
    const deepest = createView({ ...view, x: { ...view.x, min: 1.3, max: 1.3 + 1e-15 } });
    await expect(engine.render(deepest)).rejects.toBeInstanceOf(PrecisionError);
    await expect(engine.render(deepest)).rejects.toThrow(/beyond float64 precision.*x axis/);
  });

  it('named precision is checked', () => {
    expect(resolveRenderPrecision(view, 'df64', ['float32', 'df64', 'float64'])).toBe('df64');
    expect(() => resolveRenderPrecision(view, 'float32', ['float32', 'df64', 'float64'])).toThrow(/beyond float32.*render in df64 or float64/);
    expect(() => resolveRenderPrecision(view, 'df64', ['float64'])).toThrow(/Invalid precision/);
  });
});
