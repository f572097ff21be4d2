import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  combineSamples,
  createView,
  INVALID_PIXEL,
  LAYER_COUNT,
  LAYER_NAMES,
  PHASE_CODES,
  pixelExperiment,
  pixelStart,
  runHatTrajectory,
  type View,
  type ViewInput,
  type ViewLayers,
} from '../../src/core/index.ts';
import { renderViewOnCpu } from '../../src/gpu/cpu/cpu-engine.ts';
import { renderRows } from '../../src/gpu/cpu/render-rows.ts';

/** η/η_c across, σ_w up: converged, periodic, chaotic and diverged pixels in one small view. */
const PHASE_VIEW_INPUT: ViewInput = {
  experiment: { steps: 300 },
  x: { parameter: 'etaRatio', min: 0.1, max: 2.1, scale: 'linear' },
  y: { parameter: 'sigmaW', min: 0.2, max: 2, scale: 'linear' },
  columns: 24,
  rows: 16,
};

/** Renders the whole view with one renderRows call in this thread, pixel-major. */
function renderDirectly(view: View): Float32Array {
  const pixels = new Float32Array(view.columns * view.rows * LAYER_COUNT);
  renderRows(view, 0, view.rows, pixels);
  return pixels;
}

/** Asserts that every layer value equals the pixel-major reference bit for bit (NaN payloads included). */
function expectLayersToMatchBits(layers: ViewLayers, reference: Float32Array): void {
  const referenceBits = new Uint32Array(reference.buffer);
  LAYER_NAMES.forEach((name, layer) => {
    const bits = new Uint32Array(layers[name].buffer);
    const mismatches: string[] = [];
    for (let pixel = 0; pixel < bits.length; pixel++) {
      if (bits[pixel] !== referenceBits[pixel * LAYER_COUNT + layer]) {
        mismatches.push(`pixel ${pixel}: ${layers[name][pixel]} != ${reference[pixel * LAYER_COUNT + layer]}`);
      }
    }
    expect(mismatches, `layer ${name}`).toEqual([]);
  });
}

/** Records every onProgress call. */
function progressRecorder(): { calls: Array<[number, number]>; onProgress: (done: number, total: number) => void } {
  const calls: Array<[number, number]> = [];
  return { calls, onProgress: (done, total) => calls.push([done, total]) };
}

/** States 0 … steps of every trajectory, as both engines count them. */
function totalSteps(view: View): number {
  return view.columns * view.rows * view.samples * (view.experiment.steps + 1);
}

describe('renderRows', () => {
  it('matches per-pixel core analysis', () => {
    const view = createView(PHASE_VIEW_INPUT);
    const firstRow = 5;
    const rowCount = 3;
    const pixels = new Float32Array(rowCount * view.columns * LAYER_COUNT);
    renderRows(view, firstRow, rowCount, pixels);

    const expected = new Float32Array(LAYER_COUNT);
    for (let row = firstRow; row < firstRow + rowCount; row++) {
      for (let column = 0; column < view.columns; column++) {
        const start = pixelStart(view, column, row)!;
        const { analysis } = runHatTrajectory({ pHat: start.pHat, qHat: start.qHat }, start.yTilde, view.experiment.steps);
        combineSamples([analysis], expected);
        const offset = ((row - firstRow) * view.columns + column) * LAYER_COUNT;
        expect(Array.from(pixels.subarray(offset, offset + LAYER_COUNT)), `column ${column}, row ${row}`).toEqual(Array.from(expected));
      }
    }
  });

  it('rejects rows outside the view', () => {
    const view = createView(PHASE_VIEW_INPUT);
    const pixels = new Float32Array(view.columns * view.rows * LAYER_COUNT);
    expect(() => renderRows(view, -1, 1, pixels)).toThrow(RangeError);
    expect(() => renderRows(view, 0, view.rows + 1, pixels)).toThrow(RangeError);
    expect(() => renderRows(view, view.rows, 1, pixels)).toThrow(RangeError);
    expect(() => renderRows(view, 0, 0, pixels)).toThrow(RangeError);
    expect(() => renderRows(view, 0, 2, new Float32Array(view.columns * LAYER_COUNT))).toThrow(RangeError);
  });
});

describe('renderViewOnCpu', () => {
  it('workers match direct renderRows bit for bit', async () => {
    const view = createView(PHASE_VIEW_INPUT);
    const reference = renderDirectly(view);

    const layers = await renderViewOnCpu(view, { workers: 2 });
    expectLayersToMatchBits(layers, reference);

    // The view must exercise several phases, or equality would prove little.
    const phases = new Set(layers.phase);
    expect(phases).toContain(PHASE_CODES.converged);
    expect(phases).toContain(PHASE_CODES.periodic);
    expect(phases).toContain(PHASE_CODES.diverged);
  });

  it('default worker count matches direct render', async () => {
    const view = createView(PHASE_VIEW_INPUT);
    expectLayersToMatchBits(await renderViewOnCpu(view), renderDirectly(view));
  });

  it('calling thread matches direct render', async () => {
    const view = createView(PHASE_VIEW_INPUT);
    expectLayersToMatchBits(await renderViewOnCpu(view, { workers: 0 }), renderDirectly(view));
  });

  it('sampled fractions sum to one', async () => {
    const view = createView({
      ...PHASE_VIEW_INPUT,
      experiment: { steps: 300, width: 16, init: { kind: 'sampled', seed: 5 } },
      columns: 12,
      rows: 8,
      samples: 3,
    });
    const layers = await renderViewOnCpu(view, { workers: 2 });
    expectLayersToMatchBits(layers, renderDirectly(view));

    const fractionNames = ['fractionConverged', 'fractionPeriodic', 'fractionChaotic', 'fractionUnresolved', 'fractionDiverged'] as const;
    let mixedPixels = 0;
    for (let pixel = 0; pixel < view.columns * view.rows; pixel++) {
      expect(layers.phase[pixel], `pixel ${pixel} phase`).not.toBe(INVALID_PIXEL);
      const fractions = fractionNames.map((name) => layers[name][pixel]!);
      for (const fraction of fractions) {
        // Each fraction counts samples out of 3.
        expect(Math.abs(fraction * 3 - Math.round(fraction * 3)), `pixel ${pixel} fractions ${fractions}`).toBeLessThan(1e-6);
      }
      expect(fractions.reduce((sum, fraction) => sum + fraction, 0), `pixel ${pixel}`).toBeCloseTo(1, 6);
      if (fractions.every((fraction) => fraction < 1)) {
        mixedPixels += 1;
      }
    }
    // At width 16 the samples differ, so some pixels must mix phases.
    expect(mixedPixels).toBeGreaterThan(0);
  });

  it('marks pixels outside the wedge invalid', async () => {
    const view = createView({
      experiment: { steps: 300 },
      x: { parameter: 'f0OverY', min: -3, max: 3, scale: 'linear' },
      y: { parameter: 'sigmaW', min: 0.2, max: 2, scale: 'linear' },
      columns: 24,
      rows: 16,
    });
    const layers = await renderViewOnCpu(view, { workers: 2 });
    expectLayersToMatchBits(layers, renderDirectly(view));

    let invalidPixels = 0;
    for (let row = 0; row < view.rows; row++) {
      for (let column = 0; column < view.columns; column++) {
        const pixel = row * view.columns + column;
        const invalid = pixelExperiment(view, column, row) === undefined;
        if (!invalid) {
          expect(layers.phase[pixel], `column ${column}, row ${row}`).not.toBe(INVALID_PIXEL);
          continue;
        }
        invalidPixels += 1;
        expect(layers.phase[pixel], `column ${column}, row ${row}`).toBe(INVALID_PIXEL);
        expect(layers.lyapunovExponent[pixel], `column ${column}, row ${row}`).toBeNaN();
        expect(layers.fractionConverged[pixel], `column ${column}, row ${row}`).toBe(0);
      }
    }
    expect(invalidPixels).toBeGreaterThan(0);
    expect(invalidPixels).toBeLessThan(view.columns * view.rows);
  });

  it('reports monotone progress ending at total', async () => {
    // 2.5e6 trajectory-steps: several blocks both on workers and in the calling thread.
    const view = createView({ ...PHASE_VIEW_INPUT, experiment: { steps: 600 }, columns: 64, rows: 64 });
    for (const workers of [2, 0]) {
      const { calls, onProgress } = progressRecorder();
      await renderViewOnCpu(view, { workers, onProgress });
      expect(calls.length, `workers ${workers}`).toBeGreaterThan(1);
      for (let index = 0; index < calls.length; index++) {
        const [done, total] = calls[index]!;
        expect(total, `workers ${workers}, call ${index}`).toBe(totalSteps(view));
        expect(done, `workers ${workers}, call ${index}`).toBeGreaterThan(index === 0 ? 0 : calls[index - 1]![0]);
      }
      expect(calls.at(-1)![0], `workers ${workers}`).toBe(totalSteps(view));
    }
  });

  it('rejects an aborted render with AbortError', async () => {
    // 64 rows of 64 × 2000 steps make 10 blocks or more, so the abort lands mid-render.
    const view = createView({ ...PHASE_VIEW_INPUT, experiment: { steps: 2000 }, columns: 64, rows: 64 });
    for (const workers of [2, 0]) {
      const controller = new AbortController();
      const { calls, onProgress } = progressRecorder();
      const render = renderViewOnCpu(view, {
        workers,
        signal: controller.signal,
        onProgress: (done, total) => {
          onProgress(done, total);
          controller.abort();
        },
      });
      await expect(render, `workers ${workers}`).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls.length, `workers ${workers}`).toBeGreaterThan(0);
      expect(calls.at(-1)![0], `workers ${workers}`).toBeLessThan(totalSteps(view));
    }
  });

  it('rejects an already aborted signal', async () => {
    const view = createView(PHASE_VIEW_INPUT);
    const controller = new AbortController();
    controller.abort();
    await expect(renderViewOnCpu(view, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects an invalid worker count', async () => {
    const view = createView(PHASE_VIEW_INPUT);
    await expect(renderViewOnCpu(view, { workers: -1 })).rejects.toThrow(RangeError);
    await expect(renderViewOnCpu(view, { workers: 1.5 })).rejects.toThrow(RangeError);
  });

  it('abort lets a tsx process exit', async () => {
    // A worker left running would keep this child process alive until the timeout.
    const engineUrl = new URL('../../src/gpu/cpu/cpu-engine.ts', import.meta.url).href;
    const viewUrl = new URL('../../src/core/view.ts', import.meta.url).href;
    const script = `
      const { renderViewOnCpu } = await import(${JSON.stringify(engineUrl)});
      const { createView } = await import(${JSON.stringify(viewUrl)});
      const view = createView(${JSON.stringify({ ...PHASE_VIEW_INPUT, experiment: { steps: 2000 }, columns: 64, rows: 64 })});
      const controller = new AbortController();
      try {
        await renderViewOnCpu(view, { workers: 2, signal: controller.signal, onProgress: () => controller.abort() });
        console.log('resolved');
      } catch (error) {
        console.log(error.name);
      }
    `;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exitCode = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve('still running after 30 s');
      }, 30_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? 'killed');
      });
    });
    expect(exitCode, output).toBe(0);
    expect(output.trim()).toBe('AbortError');
  });
});
