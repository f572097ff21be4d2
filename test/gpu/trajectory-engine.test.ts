import { describe, expect, it } from 'vitest';
import {
  combineSamples,
  createView,
  DEFAULT_VIEW_INPUT,
  LAYER_COUNT,
  LAYER_NAMES,
  pixelStart,
  runHatTrajectory,
  setLogSink,
  TrajectoryAnalyzer,
  type LayerName,
  type View,
} from '../../src/core/index.ts';
import { testEngine } from './gpu-test-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });

/**
 * Float64 layers of one point of the view, at fractional pixel coordinates. With
 * `roundStart` the run starts from the float32-rounded inputs that the kernel
 * receives; `perturbation` scales P̂₀ by 1 + perturbation.
 */
function referenceAt(view: View, column: number, row: number, roundStart = false, perturbation = 0): Float64Array {
  const out = new Float64Array(LAYER_COUNT);
  const start = pixelStart(view, column, row, 0);
  if (start === undefined) {
    combineSamples(undefined, out);
    return out;
  }
  const f = roundStart ? Math.fround : (value: number) => value;
  const initial = { pHat: f(start.pHat) * (1 + perturbation), qHat: f(start.qHat) };
  combineSamples([runHatTrajectory(initial, f(start.yTilde), view.experiment.steps).analysis], out);
  return out;
}

/**
 * Layers of the pixel's orbit computed with every map operation rounded to float32
 * (Math.fround), analyzed in float64: the orbit a float32 kernel follows, up to
 * fused multiply-adds that a shader compiler may form.
 */
function float32OrbitAt(view: View, column: number, row: number): Float64Array {
  const out = new Float64Array(LAYER_COUNT);
  const start = pixelStart(view, column, row, 0);
  if (start === undefined) {
    combineSamples(undefined, out);
    return out;
  }
  const f = Math.fround;
  const yTilde = f(start.yTilde);
  const steps = view.experiment.steps;
  const state = { pHat: f(start.pHat), qHat: f(start.qHat) };
  const analyzer = new TrajectoryAnalyzer(steps, yTilde, state);
  for (let t = 0; t <= steps && !analyzer.diverged; t++) {
    if (t > 0) {
      const u = f(f(state.pHat - state.qHat) - yTilde);
      const down = f(1 - u);
      const up = f(1 + u);
      state.pHat = f(f(state.pHat * down) * down);
      state.qHat = f(f(state.qHat * up) * up);
    }
    analyzer.observe(t, state);
  }
  combineSamples([analyzer.result()], out);
  return out;
}

/** λ_{T+j}/λ₀ for j = 0 … period − 1: the final sharpness ratio at each phase of the cycle. */
function cycleRatios(view: View, column: number, row: number, period: number): number[] {
  const start = pixelStart(view, column, row, 0)!;
  const run = runHatTrajectory(
    { pHat: Math.fround(start.pHat), qHat: Math.fround(start.qHat) },
    Math.fround(start.yTilde),
    view.experiment.steps + period,
    { keepStates: true },
  );
  const states = run.states!;
  const initial = states[0]!.pHat + states[0]!.qHat;
  return states.slice(view.experiment.steps).map((state) => (state.pHat + state.qHat) / initial);
}

/**
 * Float64 layers around one pixel: the float32-rounded orbit above, its centre, its centre from the float32-rounded
 * inputs, its four edge midpoints (±½ pixel on each axis) and its centre with P̂₀
 * perturbed by ±1e-6 (about 16 float32 ulps). Their spread measures how much a layer
 * varies inside the pixel and how sensitive it is to rounding-sized changes.
 */
function referenceSamples(view: View, column: number, row: number): Float64Array[] {
  return [
    float32OrbitAt(view, column, row),
    referenceAt(view, column, row),
    referenceAt(view, column, row, true),
    referenceAt(view, column - 0.5, row),
    referenceAt(view, column + 0.5, row),
    referenceAt(view, column, row - 0.5),
    referenceAt(view, column, row + 0.5),
    referenceAt(view, column, row, true, 1e-6),
    referenceAt(view, column, row, true, -1e-6),
  ];
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * Tolerances of the float32 kernel against float64 on a well-conditioned pixel.
 * Steps: a threshold crossing moves by one step when the two precisions straddle it,
 * and by a few more near a slow (multiplier ≈ 1) approach. Relative values: float32
 * rounding is 6e-8 per operation, about 10 operations a step, and errors stay bounded
 * on stable orbits, so 1e-4 (≈ 1700 roundings) covers the orbit values. Lyapunov
 * exponents of non-chaotic orbits are averages of smooth functions of the orbit: 1e-3.
 */
const STEP_TOLERANCE = 2;
const RELATIVE_TOLERANCE = 1e-4;
const LYAPUNOV_TOLERANCE = 1e-3;

/**
 * Chaotic orbits decorrelate between precisions after a few dozen steps, so their
 * late-window readouts are independent estimates of the same statistics. The Lyapunov
 * exponent is a mean of ln|growth| over T/2 = 500 steps with a spread of about 1 per
 * step, so two estimates differ by a few times √2/√500 ≈ 0.06: 0.5 allows 8 standard
 * deviations. The extremes of ηλ_H/2 over 500 points of the attractor agree to 15%.
 */
const CHAOTIC_LYAPUNOV_TOLERANCE = 0.5;
const CHAOTIC_EXTREME_TOLERANCE = 0.15;

/**
 * Returns whether `value` lies in the range of the float64 samples around the pixel, widened
 * on each side by the range's own width: an ill-conditioned pixel may take any value
 * that float64 takes nearby.
 */
function withinPixel(value: number, samples: Float64Array[], k: number): boolean {
  const values = samples.map((sample) => sample[k]!);
  if (values.some((v) => same(v, value))) {
    return true;
  }
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) {
    return false;
  }
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  return value >= low - (high - low) && value <= high + (high - low);
}

function closeEnough(name: LayerName, gpu: number, reference: number, chaotic: boolean): boolean {
  if (same(gpu, reference)) {
    return true;
  }
  if (!Number.isFinite(gpu) || !Number.isFinite(reference)) {
    return false;
  }
  const difference = Math.abs(gpu - reference);
  const relative = difference / Math.max(Math.abs(reference), 1e-30);
  if (chaotic) {
    switch (name) {
      case 'lyapunovExponent':
        return difference <= CHAOTIC_LYAPUNOV_TOLERANCE;
      case 'lateSharpnessMin':
      case 'lateSharpnessMax':
        return relative <= CHAOTIC_EXTREME_TOLERANCE;
      case 'sharpnessRatio':
      case 'sharpening':
        // The last state of a chaotic orbit is not reproducible across precisions.
        return true;
      default:
        break;
    }
  }
  switch (name) {
    case 'convergenceStep':
    case 'divergenceStep':
      return difference <= STEP_TOLERANCE;
    case 'lyapunovExponent':
      return difference <= LYAPUNOV_TOLERANCE;
    case 'lateSharpnessMin':
    case 'lateSharpnessMax':
    case 'sharpnessRatio':
    case 'peakLossRatio':
      return relative <= RELATIVE_TOLERANCE;
    default:
      return false;
  }
}

describe('GPU engine against the float64 reference', () => {
  it('default 256×256 view matches per layer', async () => {
    const engine = await testEngine();
    const view = createView(DEFAULT_VIEW_INPUT);
    const render = await engine.render(view);
    render.results?.destroy();

    const pixels = view.columns * view.rows;
    let boundaryPhaseMismatches = 0;
    const valueExemptions: Partial<Record<LayerName, number>> = {};
    const failures: string[] = [];
    const phaseCounts = [0, 0, 0, 0, 0, 0];
    for (let row = 0; row < view.rows; row++) {
      for (let column = 0; column < view.columns; column++) {
        const p = row * view.columns + column;
        const gpu = (name: LayerName) => render.layers[name][p]!;
        phaseCounts[gpu('phase')]! += 1;
        const reference = referenceAt(view, column, row, true);
        if (gpu('phase') !== reference[0] || gpu('period') !== reference[1]) {
          // A phase or period may differ only where the float64 map itself changes inside the pixel.
          const samples = referenceSamples(view, column, row);
          const classes = new Set(samples.map((sample) => `${sample[0]}/${sample[1]}`));
          if (classes.size > 1) {
            boundaryPhaseMismatches += 1;
          } else {
            failures.push(`(${column}, ${row}) phase/period gpu ${gpu('phase')}/${gpu('period')}, float64 ${reference[0]}/${reference[1]}`);
          }
          continue;
        }
        const chaotic = reference[0] === 2;
        let samples: Float64Array[] | undefined;
        const ratio = reference[LAYER_NAMES.indexOf('sharpnessRatio')]!;
        LAYER_NAMES.forEach((name, k) => {
          if (closeEnough(name, gpu(name), reference[k]!, chaotic)) {
            return;
          }
          // The sharpening flag may flip when λ_final/λ₀ is within the float32 tolerance of 1.
          if (name === 'sharpening' && Math.abs(ratio - 1) <= RELATIVE_TOLERANCE) {
            return;
          }
          // On a cycle, λ_final depends on the cycle's phase at step T, which a chaotic
          // transient can shift: any phase of the float64 cycle is right.
          if ((name === 'sharpnessRatio' || name === 'sharpening') && reference[0] === 1) {
            const ratios = cycleRatios(view, column, row, reference[1]!);
            const gpuRatio = gpu('sharpnessRatio');
            if (ratios.some((value) => Math.abs(gpuRatio / value - 1) <= RELATIVE_TOLERANCE)) {
              return;
            }
          }
          // Ill-conditioned pixel: the value is still right if float64 takes it somewhere inside the pixel.
          samples ??= referenceSamples(view, column, row);
          if (withinPixel(gpu(name), samples, k)) {
            valueExemptions[name] = (valueExemptions[name] ?? 0) + 1;
          } else {
            failures.push(`(${column}, ${row}) ${name}: gpu ${gpu(name)}, float64 ${reference[k]} (phase ${reference[0]})`);
          }
        });
      }
    }

    expect(failures.slice(0, 10)).toEqual([]);
    // Boundary pixels are a thin set: the measured count is 59 of 65,536.
    expect(boundaryPhaseMismatches).toBeLessThan(0.01 * pixels);
    for (const [name, count] of Object.entries(valueExemptions)) {
      expect(count, name).toBeLessThan(0.01 * pixels);
    }
    // The default view must show every phase but "unresolved" in quantity, or the test would prove little.
    for (const code of [0, 1, 2, 4]) {
      expect(phaseCounts[code]).toBeGreaterThan(0.02 * pixels);
    }
  }, 300_000);

  it('sampled pixels report phase fractions', async () => {
    const engine = await testEngine();
    // Converging region only, so every sample's classification is robust.
    const view = createView({
      experiment: { width: 32, learningRate: 1, steps: 400, init: { kind: 'sampled', seed: 11 } },
      x: { parameter: 'etaRatio', min: 0.05, max: 0.9, scale: 'linear' },
      y: { parameter: 'sigmaW', min: 0.3, max: 1.5, scale: 'log' },
      columns: 12,
      rows: 10,
      samples: 3,
    });
    const render = await engine.render(view);
    render.results?.destroy();
    const expected = new Float64Array(LAYER_COUNT);
    for (let row = 0; row < view.rows; row++) {
      for (let column = 0; column < view.columns; column++) {
        const p = row * view.columns + column;
        const analyses = [0, 1, 2].map((sample) => {
          const start = pixelStart(view, column, row, sample)!;
          return runHatTrajectory({ pHat: Math.fround(start.pHat), qHat: Math.fround(start.qHat) }, Math.fround(start.yTilde), view.experiment.steps).analysis;
        });
        combineSamples(analyses, expected);
        for (const name of ['phase', 'period', 'catapult', 'sharpening', 'fractionConverged', 'fractionDiverged'] as const) {
          expect(render.layers[name][p], `${name} at (${column}, ${row})`).toBe(Math.fround(expected[LAYER_NAMES.indexOf(name)]!));
        }
        const sharpness = expected[LAYER_NAMES.indexOf('sharpnessRatio')]!;
        if (Number.isNaN(sharpness)) {
          // Every sample diverged.
          expect(render.layers.sharpnessRatio[p]).toBeNaN();
        } else {
          expect(Math.abs(render.layers.sharpnessRatio[p]! / sharpness - 1)).toBeLessThan(RELATIVE_TOLERANCE);
        }
        const convergence = expected[LAYER_NAMES.indexOf('convergenceStep')]!;
        expect(Math.abs(render.layers.convergenceStep[p]! - convergence)).toBeLessThanOrEqual(STEP_TOLERANCE);
      }
    }
  }, 120_000);
});
