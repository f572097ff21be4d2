import { describe, expect, it } from 'vitest';
import {
  assessPrecision,
  combineSamples,
  createView,
  DEFAULT_ANALYSIS_SETTINGS,
  DEFAULT_VIEW_INPUT,
  LAYER_COUNT,
  LAYER_NAMES,
  pixelStart,
  runHatTrajectory,
  setLogSink,
  type TrajectoryStart,
  type ViewLayers,
} from '../../src/core/index.ts';
import { createEngine, PrecisionError } from '../../src/gpu/engine.ts';
import { dispatchGrid } from '../../src/gpu/trajectory-engine.ts';
import { nodeAdapterSource, testEngine } from './gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

function expectSameLayers(actual: ViewLayers, expected: ViewLayers): void {
  for (const name of LAYER_NAMES) {
    // Bit-for-bit: Float32Array equality treats NaN as equal to NaN.
    expect(Buffer.from(actual[name].buffer).equals(Buffer.from(expected[name].buffer)), name).toBe(true);
  }
}

const smallView = createView({ ...DEFAULT_VIEW_INPUT, columns: 40, rows: 30, experiment: { learningRate: 1, steps: 300 } });

describe('GPU engine work splitting', () => {
  it('tiles and chunks give the one-dispatch result', async () => {
    const engine = await testEngine();
    const whole = await engine.render(smallView, { chunkSteps: 301 });
    expect(whole.tiles).toBe(1);
    expect(whole.chunks).toBe(1);
    const split = await engine.render(smallView, { chunkSteps: 7, maxTileTrajectories: 100 });
    expect(split.tiles).toBe(12);
    expect(split.chunks).toBe(12 * Math.ceil(301 / 7));
    expectSameLayers(split.layers, whole.layers);
    // Without a view-wide results buffer, tiles write into pooled ones.
    const layersOnly = await engine.render(smallView, { chunkSteps: 7, maxTileTrajectories: 100, keepResults: false });
    expect(layersOnly.results).toBeUndefined();
    expectSameLayers(layersOnly.layers, whole.layers);
    whole.results?.destroy();
    split.results?.destroy();
  });

  it('reports monotone progress to the total', async () => {
    const engine = await testEngine();
    const seen: number[] = [];
    let total = 0;
    const render = await engine.render(smallView, {
      chunkSteps: 50,
      maxTileTrajectories: 400,
      onProgress: (progress) => {
        seen.push(progress.done);
        total = progress.total;
      },
    });
    render.results?.destroy();
    expect(total).toBe(40 * 30 * 301);
    expect(seen.at(-1)).toBe(total);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    }
  });

  it('cancels between chunks', async () => {
    const engine = await testEngine();
    const controller = new AbortController();
    let chunksSeen = 0;
    const rendering = engine.render(smallView, {
      chunkSteps: 10,
      signal: controller.signal,
      onProgress: () => {
        chunksSeen += 1;
        if (chunksSeen === 3) {
          controller.abort();
        }
      },
    });
    await expect(rendering).rejects.toMatchObject({ name: 'AbortError' });
    expect(chunksSeen).toBe(3);
    // The engine stays usable.
    const after = await engine.render(smallView);
    after.results?.destroy();
    expect(after.layers.phase.length).toBe(1200);
  });

  it('splits large dispatches into two dimensions', () => {
    expect(dispatchGrid(64 * 65535, 65535)).toEqual({ x: 65535, y: 1, rowStride: 64 * 65535 });
    const grid = dispatchGrid(4_194_304 * 3, 65535);
    expect(grid.x).toBe(65535);
    expect(grid.x * grid.y * 64).toBeGreaterThanOrEqual(4_194_304 * 3);
  });
});

describe('GPU engine rule edges', () => {
  it('matches the core at window edges', async () => {
    const engine = await testEngine();
    // A fast, robust convergence (ỹ = 0.3) and a robust period-2 orbit (ỹ = 1.2 on the manifold).
    const converging: TrajectoryStart = { pHat: Math.fround(0.3), qHat: Math.fround(0.25), yTilde: Math.fround(0.3) };
    // Started on the cycle, so period detection succeeds from the first reference state.
    const settled = runHatTrajectory({ pHat: 0.7, qHat: 0 }, Math.fround(1.2), 4000, { keepStates: true }).states!.at(-1)!;
    const cycling: TrajectoryStart = { pHat: Math.fround(settled.pHat), qHat: 0, yTilde: Math.fround(1.2) };
    const convergenceStep = runHatTrajectory(converging, converging.yTilde, 400).analysis.convergenceStep;
    expect(convergenceStep).toBeGreaterThan(5);
    // Run lengths 14 … 18 around the 16-state convergence window, runs of 126 … 130
    // steps around the 128 steps that period detection needs, and 254 … 258 below.
    const cases: Array<[TrajectoryStart, number]> = [];
    for (let steps = convergenceStep + 13; steps <= convergenceStep + 17; steps++) {
      cases.push([converging, steps]);
    }
    for (let steps = 126; steps <= 130; steps++) {
      cases.push([cycling, steps]);
    }
    // From 256 steps on, the kernel runs one loop per analysis window instead of one generic loop.
    for (let steps = 254; steps <= 258; steps++) {
      cases.push([cycling, steps]);
    }
    for (const [start, steps] of cases) {
      const render = await engine.runStarts([start], steps);
      const expected = new Float64Array(LAYER_COUNT);
      combineSamples([runHatTrajectory(start, start.yTilde, steps).analysis], expected);
      for (const name of ['phase', 'period', 'convergenceStep', 'lyapunovExponent'] as const) {
        if (name === 'lyapunovExponent') {
          // Both are means over the same steps of the same stable orbit.
          expect(Math.abs(render.layers[name][0]! - expected[LAYER_NAMES.indexOf(name)]!), `${name} after ${steps} steps`).toBeLessThan(1e-3);
          continue;
        }
        expect(render.layers[name][0], `${name} after ${steps} steps`).toBe(expected[LAYER_NAMES.indexOf(name)]);
      }
    }
  });

  it('fast-forwards repeating orbits to the step-by-step result', async () => {
    const engine = await testEngine();
    // Dyadic starts with u = P̂ − Q̂ − ỹ = 0 exactly, in float32 and float64: the state
    // never moves, and the kernel fast-forwards from step 1. With ηλ = 2(P̂ + Q̂) > 2
    // the fixed point is unstable and the Jacobian's eigenvalues are 1 and 1 − ηλ, so
    // the exponent is ln|1 − ηλ|: a wrong step count in the powers of J would show.
    // The fourth start has ηλ = 1 and a singular Jacobian, which is turned step by step.
    // The last two are exact period-2 orbits on Q̂ = 0: P̂ alternates 1/4 ↔ 4 at
    // ỹ = 13/4 (1 − u alternates 4 and 1/4) and 1/2 ↔ 2 at ỹ = 3/2, where one of the
    // two Jacobians is singular. Their exponents depend on how the tangent vector
    // starts, so only the float64 reference gives them.
    const starts: Array<[TrajectoryStart, number | undefined]> = [
      [{ pHat: 1, qHat: 0.5, yTilde: 0.5 }, Math.log(2)],
      [{ pHat: 0.75, qHat: 0.5, yTilde: 0.25 }, Math.log(1.5)],
      [{ pHat: 2, qHat: 0.5, yTilde: 1.5 }, Math.log(4)],
      [{ pHat: 0.25, qHat: 0.25, yTilde: 0 }, 0],
      [{ pHat: 0.25, qHat: 0, yTilde: 3.25 }, undefined],
      [{ pHat: 0.5, qHat: 0, yTilde: 1.5 }, undefined],
    ];
    // 1000 and 999 steps run the per-window loops and end on either state of a cycle;
    // 200 runs the generic loop (the late window starts after the period reference).
    for (const steps of [1000, 999, 200]) {
      const whole = await engine.runStarts(
        starts.map(([start]) => start),
        steps,
        { chunkSteps: steps + 1 },
      );
      const split = await engine.runStarts(
        starts.map(([start]) => start),
        steps,
        { chunkSteps: 7 },
      );
      expectSameLayers(split.layers, whole.layers);
      starts.forEach(([start, exponent], k) => {
        const expected = new Float64Array(LAYER_COUNT);
        combineSamples([runHatTrajectory(start, start.yTilde, steps).analysis], expected);
        const label = `start ${k}, ${steps} steps`;
        for (const name of ['phase', 'period', 'convergenceStep'] as const) {
          expect(whole.layers[name][k], `${name}, ${label}`).toBe(expected[LAYER_NAMES.indexOf(name)]);
        }
        // Each float32 product of J rounds by about 2⁻²⁴ relative, and so does the mean, far below 10⁻⁵.
        const reference = expected[LAYER_NAMES.indexOf('lyapunovExponent')]!;
        expect(Math.abs(whole.layers.lyapunovExponent[k]! - reference), `exponent, ${label}`).toBeLessThan(1e-5);
        if (exponent !== undefined) {
          expect(Math.abs(reference - exponent), `reference exponent, ${label}`).toBeLessThan(1e-5);
        }
        for (const name of ['lateSharpnessMin', 'lateSharpnessMax', 'sharpnessRatio', 'peakLossRatio'] as const) {
          const reference = expected[LAYER_NAMES.indexOf(name)]!;
          expect(Math.abs(whole.layers[name][k]! - reference), `${name}, ${label}`).toBeLessThanOrEqual(4e-7 * reference);
        }
      });
      whole.results?.destroy();
      split.results?.destroy();
    }

    // With a tolerance of 0.5 · ỹ only P̂ = 4 of the 4 ↔ 1/4 cycle passes the
    // convergence test (|u| = 3/4 and 3 against 1.625), so the converged run restarts
    // every other step and is at most one state long. Started at 4, the cycle is
    // found at state 2, which passes. After an odd number of steps the run ends on
    // 1/4, where P̂ + Q̂ ≤ 1 would let a run kept from state 2 read as converged.
    const settings = { ...DEFAULT_ANALYSIS_SETTINGS, convergenceTolerance: 0.5 };
    const cycle: TrajectoryStart = { pHat: 4, qHat: 0, yTilde: 3.25 };
    for (const steps of [1000, 999]) {
      const render = await engine.runStarts([cycle], steps, { settings });
      const expected = new Float64Array(LAYER_COUNT);
      combineSamples([runHatTrajectory(cycle, cycle.yTilde, steps, { settings }).analysis], expected);
      for (const name of ['phase', 'period', 'convergenceStep', 'catapult'] as const) {
        expect(render.layers[name][0], `${name}, ${steps} steps, tolerance 0.5`).toBe(expected[LAYER_NAMES.indexOf(name)]);
      }
      render.results?.destroy();
    }
  });

  it('marks invalid starts', async () => {
    const engine = await testEngine();
    const render = await engine.runStarts([undefined, { pHat: 0.2, qHat: 0.2, yTilde: 0.4 }], 50);
    expect(render.layers.phase[0]).toBe(5);
    expect(render.layers.lyapunovExponent[0]).toBeNaN();
    expect(render.layers.phase[1]).toBe(0);
  });
});

describe('GPU engine at scale', () => {
  it('runs 4,194,304 trajectories', async () => {
    const engine = await testEngine();
    const view = createView({ ...DEFAULT_VIEW_INPUT, columns: 2048, rows: 2048, experiment: { learningRate: 1, steps: 100 } });
    const render = await engine.render(view);
    render.results?.destroy();
    expect(render.trajectorySteps).toBe(2048 * 2048 * 101);
    expect(render.tiles).toBeGreaterThan(1);
    // Spot checks against the float64 core on robust pixels (away from phase boundaries).
    const expected = new Float64Array(LAYER_COUNT);
    for (const [column, row] of [
      [100, 1900],
      [300, 1000],
      [1500, 1500],
      [2000, 100],
    ] as const) {
      const start = pixelStart(view, column, row)!;
      combineSamples([runHatTrajectory({ pHat: Math.fround(start.pHat), qHat: Math.fround(start.qHat) }, Math.fround(start.yTilde), 100).analysis], expected);
      expect(render.layers.phase[row * 2048 + column], `phase at (${column}, ${row})`).toBe(expected[0]);
    }
    const counts = [0, 0, 0, 0, 0, 0];
    for (const phase of render.layers.phase) {
      counts[phase]! += 1;
    }
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(4_194_304);
  }, 600_000);
});

describe('device loss', () => {
  it('rebuilds the device and finishes the view', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    const reference = await engine.render(smallView, { maxTileTrajectories: 400 });
    reference.results?.destroy();
    let destroyed = false;
    const render = await engine.gpu!.render(smallView, {
      maxTileTrajectories: 400,
      chunkSteps: 20,
      onProgress: (progress) => {
        if (!destroyed && progress.tilesDone === 1) {
          destroyed = true;
          engine.gpu!.device.destroy();
        }
      },
    });
    expect(destroyed).toBe(true);
    expect(render.recoveries).toBe(1);
    expectSameLayers(render.layers, reference.layers);
    render.results?.destroy();
    engine.dispose();
  });
});

describe('precision', () => {
  it('rejects float32 for a view beyond it', async () => {
    const engine = await createEngine({ adapterSource: nodeAdapterSource });
    // 256 pixels across η/η_c ∈ [1, 1 + 1e-6]: 4e-9 apart, below one float32 ulp (1.2e-7) at 1.
    const deep = createView({ ...DEFAULT_VIEW_INPUT, x: { parameter: 'etaRatio', min: 1, max: 1 + 1e-6, scale: 'linear' } });
    expect(assessPrecision(deep).beyondFloat32).toBe(true);
    await expect(engine.render(deep, { precision: 'float32' })).rejects.toBeInstanceOf(PrecisionError);
    await expect(engine.render(deep, { precision: 'float32' })).rejects.toThrow(/beyond float32 precision.*x axis.*render in df64 or float64/);
    expect(assessPrecision(createView(DEFAULT_VIEW_INPUT)).beyondFloat32).toBe(false);
    engine.dispose();
  });
});

describe('CPU fallback', () => {
  it('takes over when no adapter exists', async () => {
    const engine = await createEngine({ adapterSource: async () => null, workers: 0 });
    expect(engine.kind).toBe('cpu');
    expect(engine.description).toContain('No WebGPU adapter is available');
    const result = await engine.render(createView({ ...DEFAULT_VIEW_INPUT, columns: 6, rows: 4, experiment: { learningRate: 1, steps: 200 } }));
    expect(result.engine).toBe('cpu');
    expect(result.results).toBeUndefined();
    // The fallback runs the float64 core itself.
    const expected = new Float64Array(LAYER_COUNT);
    const view = createView({ ...DEFAULT_VIEW_INPUT, columns: 6, rows: 4, experiment: { learningRate: 1, steps: 200 } });
    const start = pixelStart(view, 2, 1)!;
    combineSamples([runHatTrajectory(start, start.yTilde, 200).analysis], expected);
    expect(result.layers.phase[1 * 6 + 2]).toBe(expected[0]);
    expect(result.layers.lyapunovExponent[1 * 6 + 2]).toBe(Math.fround(expected[LAYER_NAMES.indexOf('lyapunovExponent')]!));
  });

  it('renders views beyond float32', async () => {
    const engine = await createEngine({ forceCpu: true, workers: 0 });
    const deep = createView({ ...DEFAULT_VIEW_INPUT, columns: 4, rows: 2, x: { parameter: 'etaRatio', min: 1, max: 1 + 1e-6, scale: 'linear' } });
    const result = await engine.render(deep);
    expect(result.precision.beyondFloat32).toBe(true);
    expect(result.layers.phase.length).toBe(8);
  });
});
