/**
 * Measures the WebGPU engine on the adapter that this process gets (the Vulkan
 * driver is chosen by the parent through VK_ICD_FILENAMES or EOS_ATLAS_VULKAN)
 * and prints one JSON line. Run by bench/bench.ts with the view size, the step
 * count and the kernel precision (float32, the default, or df64).
 */
import { createView, DEFAULT_VIEW_INPUT, setLogSink } from '../src/core/index.ts';
import { requestNodeAdapter } from '../src/gpu/node-webgpu.ts';
import { GpuEngine, type GpuPrecision } from '../src/gpu/trajectory-engine.ts';

setLogSink({ info: () => undefined, warn: () => undefined });
const size = Number(process.argv[2] ?? 1024);
const steps = Number(process.argv[3] ?? 1000);
const precision = (process.argv[4] ?? 'float32') as GpuPrecision;
if (precision !== 'float32' && precision !== 'df64') {
  throw new Error(`Invalid precision: ${precision}. Expected float32 or df64.`);
}
const engine = await GpuEngine.create(async () => (await requestNodeAdapter()).adapter);
const view = createView({ ...DEFAULT_VIEW_INPUT, columns: size, rows: size, experiment: { learningRate: 1, steps } });

// One warm-up render compiles the pipelines in the driver and measures the throughput that sizes tiles and chunks.
const warmupSize = Math.min(size, 256);
const warmupView = createView({ ...DEFAULT_VIEW_INPUT, columns: warmupSize, rows: warmupSize, experiment: { learningRate: 1, steps } });
const warmup = await engine.render(warmupView, { precision });
warmup.results?.destroy();
// The median of three renders, because a shared virtual machine's speed varies by ±20%.
const renders = [];
for (let run = 0; run < 3; run++) {
  // The layers are read back; the page's device-side results buffer is not needed here.
  const render = await engine.render(view, { precision, keepResults: false });
  render.results?.destroy();
  renders.push(render);
}
renders.sort((a, b) => a.elapsedMilliseconds - b.elapsedMilliseconds);
const median = renders[1]!;
console.log(
  JSON.stringify({
    engine: `WebGPU ${precision} (${engine.adapterName})`,
    trajectories: size * size,
    steps,
    seconds: median.elapsedMilliseconds / 1000,
    stepsPerSecond: median.trajectorySteps / (median.elapsedMilliseconds / 1000),
    tiles: median.tiles,
    chunks: median.chunks,
    divergedFraction: median.layers.phase.filter((phase) => phase === 4).length / (size * size),
  }),
);
engine.dispose();
process.exit(0);
