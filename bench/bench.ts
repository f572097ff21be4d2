/**
 * `npm run bench`: trajectory-steps per second of the WebGPU engine on each
 * available Vulkan driver, with the float32 and the df64 kernels, of the float64
 * CPU fallback and of a vectorized numpy implementation of the same map and
 * readouts, in one run, as ratios to numpy.
 *
 * Each WebGPU driver and precision runs in its own process, because the Vulkan
 * loader reads VK_ICD_FILENAMES once per process. The df64 kernel runs a view of
 * half the side (a quarter of the trajectories), because it is slower. Options:
 * --size N (pixels per side of the float32 WebGPU view, default 1024), --steps T
 * (default 1000). Steps are counted as
 * trajectories × (T + 1) states for every engine, also for trajectories that
 * diverge and stop early. The table shows the fraction that diverged.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createView, DEFAULT_VIEW_INPUT, pixelStart, setLogSink } from '../src/core/index.ts';
import { renderViewOnCpu } from '../src/gpu/cpu/cpu-engine.ts';
import { LAVAPIPE_ICD_PATH } from '../src/gpu/node-webgpu.ts';

interface Measurement {
  engine: string;
  /** Fraction of trajectories that diverged; diverged trajectories stop early in every engine but numpy. */
  divergedFraction?: number;
  trajectories: number;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
}

setLogSink({ info: () => undefined, warn: () => undefined });
const { values } = parseArgs({ options: { size: { type: 'string', default: '1024' }, steps: { type: 'string', default: '1000' } } });
const size = Number(values.size);
const steps = Number(values.steps);
const root = fileURLToPath(new URL('..', import.meta.url));

const drivers: Array<{ name: string; env: Record<string, string>; size: number }> = [];
if (existsSync(LAVAPIPE_ICD_PATH)) {
  drivers.push({ name: 'lavapipe', env: { VK_ICD_FILENAMES: LAVAPIPE_ICD_PATH }, size });
}
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(swiftshader)) {
  // NOTE: SwiftShader slows down sharply on tiles above about 10⁵ trajectories
  // (2.5 M steps/s at 512², 24 M at 256², measured with SwiftShader 5.0.0), so it
  // runs a 256² view here. The cause is not known.
  drivers.push({ name: 'SwiftShader', env: { VK_ICD_FILENAMES: swiftshader }, size: Math.min(size, 256) });
}
drivers.push({ name: 'system Vulkan driver', env: { EOS_ATLAS_VULKAN: 'system' }, size });

const results: Measurement[] = [];
const failures: string[] = [];
const seenAdapters = new Set<string>();
for (const driver of drivers) {
  for (const precision of ['float32', 'df64'] as const) {
    const viewSize = precision === 'df64' ? Math.max(16, Math.round(driver.size / 2)) : driver.size;
    process.stderr.write(`bench: WebGPU ${precision} on ${driver.name} (${viewSize}×${viewSize}, ${steps} steps)…\n`);
    try {
      const output = execFileSync(
        process.execPath,
        ['--import', './scripts/register-node.mjs', 'bench/gpu-bench.ts', String(viewSize), String(steps), precision],
        { cwd: root, env: { ...process.env, VK_ICD_FILENAMES: '', ...driver.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const measurement = JSON.parse(output.trim().split('\n').at(-1)!) as Measurement;
      // Without a GPU the system driver search finds one of the CPU drivers above again.
      if (!seenAdapters.has(measurement.engine)) {
        seenAdapters.add(measurement.engine);
        results.push(measurement);
      }
    } catch {
      failures.push(`WebGPU ${precision} on ${driver.name}: no adapter or the run failed`);
    }
  }
}

// The CPU fallback is slower, so it runs a smaller view of the same parameters.
const cpuSize = Math.max(16, Math.round(size / 8));
process.stderr.write(`bench: CPU fallback (${cpuSize}×${cpuSize}, ${steps} steps)…\n`);
const cpuView = createView({ ...DEFAULT_VIEW_INPUT, columns: cpuSize, rows: cpuSize, experiment: { learningRate: 1, steps } });
const cpuStarted = performance.now();
const cpuLayers = await renderViewOnCpu(cpuView, {});
const cpuSeconds = (performance.now() - cpuStarted) / 1000;
results.push({
  engine: `CPU fallback, float64, ${availableParallelism()} worker threads`,
  trajectories: cpuSize * cpuSize,
  steps,
  seconds: cpuSeconds,
  stepsPerSecond: (cpuSize * cpuSize * (steps + 1)) / cpuSeconds,
  divergedFraction: cpuLayers.phase.filter((phase) => phase === 4).length / (cpuSize * cpuSize),
});

// numpy runs the trajectories of the same view at half the resolution (a quarter of
// the pixels), from starts computed here, so both baselines run the same dynamics.
const numpySize = Math.max(16, Math.round(size / 2));
const numpyView = createView({ ...DEFAULT_VIEW_INPUT, columns: numpySize, rows: numpySize, experiment: { learningRate: 1, steps } });
const starts = new Float32Array(numpySize * numpySize * 3);
for (let row = 0; row < numpySize; row++) {
  for (let column = 0; column < numpySize; column++) {
    const start = pixelStart(numpyView, column, row)!;
    starts.set([start.pHat, start.qHat, start.yTilde], (row * numpySize + column) * 3);
  }
}
const startsFile = join(mkdtempSync(join(tmpdir(), 'eos-atlas-bench-')), 'starts.f32');
writeFileSync(startsFile, starts);
process.stderr.write(`bench: numpy (${numpySize}×${numpySize}, ${steps} steps)…\n`);
try {
  const output = execFileSync('python3', ['bench/numpy_uv.py', String(steps), startsFile], { cwd: root, encoding: 'utf8' });
  results.push(JSON.parse(output.trim()) as Measurement);
} catch (error) {
  failures.push(`numpy: ${(error as Error).message.split('\n')[0]}`);
} finally {
  rmSync(startsFile);
}

const numpy = results.find((result) => result.engine.startsWith('numpy'));
const format = (value: number) => (value >= 1e9 ? `${(value / 1e9).toFixed(2)} G` : `${(value / 1e6).toFixed(1)} M`);
console.log(`| engine | trajectories × steps | diverged | seconds | trajectory-steps/s | × numpy |`);
console.log(`|---|---|---|---|---|---|`);
for (const result of results) {
  const ratio = numpy === undefined ? 'n/a' : (result.stepsPerSecond / numpy.stepsPerSecond).toFixed(1);
  const diverged = result.divergedFraction === undefined ? 'n/a' : `${(100 * result.divergedFraction).toFixed(0)}%`;
  console.log(
    `| ${result.engine} | ${result.trajectories} × ${result.steps} | ${diverged} | ${result.seconds.toFixed(2)} | ${format(result.stepsPerSecond)} | ${ratio} |`,
  );
}
for (const failure of failures) {
  console.log(`\nnot measured: ${failure}`);
}
console.log(`\nmachine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`);
process.exit(0);
