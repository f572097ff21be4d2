/**
 * Renders bifurcation diagrams on the GPU with shaders/uv-bifurcation.wgsl:
 * starts computed on the host in float64, steps advanced in timed chunks,
 * counts accumulated with integer atomics in one density buffer, read back once.
 * The device is the trajectory engine's, so a page uses one device for both.
 */
import tgpu from 'typegpu';
import realDf64Source from '../../shaders/real-df64.wgsl?raw';
import realF32Source from '../../shaders/real-f32.wgsl?raw';
import source from '../../shaders/uv-bifurcation.wgsl?raw';
import commonSource from '../../shaders/uv-common.wgsl?raw';
import { DEFAULT_ANALYSIS_SETTINGS } from '../core/analysis.ts';
import {
  chooseDiagramPrecision,
  DIAGRAM_QUANTITY_CODES,
  diagramPrecisionProblem,
  diagramStart,
  diagramTrajectorySteps,
  diagramTrajectoryView,
  emptyDensity,
  MAX_RECORDED_STEPS,
  type BifurcationDiagram,
  type DiagramDensity,
} from '../core/bifurcation-diagram.ts';
import { ValidationError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { DeviceLostError } from './context.ts';
import { accumulateDiagramOnCpu } from './cpu/cpu-diagram.ts';
import type { Precision } from '../core/precision.ts';
import {
  DIAGRAM_FLAG_INVALID,
  DIAGRAM_STATE_DF64_LAYOUT,
  DIAGRAM_STATE_LAYOUT,
  DiagramParams,
  DiagramState,
  DiagramStateDf64,
  type DiagramStateLayout,
} from './diagram-schemas.ts';
import { DF64_SOURCE, resolveKernel } from './kernel-sources.ts';
import { paced } from './wait-pacing.ts';
import type { Engine } from './engine.ts';
import type { GpuEngine } from './trajectory-engine.ts';

const log = createLogger('gpu');

const WORKGROUP_SIZE = 64;

/** Precisions of the diagram kernel. */
export type GpuDiagramPrecision = 'float32' | 'df64';

/** The state layout and the WGSL files in front of the kernel, per precision. */
const VARIANTS: Record<GpuDiagramPrecision, { layout: DiagramStateLayout; schema: typeof DiagramState | typeof DiagramStateDf64; sources: string[] }> = {
  float32: { layout: DIAGRAM_STATE_LAYOUT, schema: DiagramState, sources: [realF32Source] },
  df64: { layout: DIAGRAM_STATE_DF64_LAYOUT, schema: DiagramStateDf64, sources: [DF64_SOURCE, realDf64Source] },
};
/** Default budget for one tile's trajectory states. */
const STATE_BUDGET_BYTES = 64 * 2 ** 20;
/** Default chunk duration: far below the browsers' GPU watchdog of about 2 s. */
const DEFAULT_CHUNK_MILLISECONDS = typeof window === 'undefined' ? 400 : 100;
/** Trajectory-steps per second assumed before the first chunk is measured. */
const INITIAL_THROUGHPUT = 5e7;

/** Progress of a diagram render, in trajectory-steps. */
export interface DiagramProgress {
  done: number;
  total: number;
}

/** Options of {@link renderDiagramOnGpu}. */
export interface DiagramRenderOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DiagramProgress) => void;
  /** Fixed steps per chunk. Without it chunks are sized to `targetChunkMilliseconds`. */
  chunkSteps?: number;
  /** Target duration of one chunk (default 100 ms in a page, 400 ms in Node). */
  targetChunkMilliseconds?: number;
  /** Maximum trajectories per tile; the adapter's binding limit and a 64 MiB state budget apply too. */
  maxTileTrajectories?: number;
  /** Times to rebuild a lost device and restart before giving up (default 2). */
  maxRecoveries?: number;
  /**
   * Arithmetic of the map: `auto` (the default) takes the cheapest precision that
   * resolves the diagram (diagramPrecisionProblem), float32 or df64 on the GPU and
   * float64 on the CPU. A named precision that does not resolve it raises DiagramPrecisionError.
   */
  precision?: 'auto' | Precision;
  /**
   * Worker threads of the float64 CPU path. Defaults to the number of logical cores, and
   * 0 computes in the calling thread. The GPU kernels ignore it.
   */
  workers?: number;
}

/** Counts of a diagram and how they were computed. */
export interface DiagramRender {
  density: DiagramDensity;
  /** Adapter name, or the CPU engine's description. */
  description: string;
  engine: 'webgpu' | 'cpu';
  /** Arithmetic of the map state. */
  arithmetic: Precision;
  trajectorySteps: number;
  elapsedMilliseconds: number;
  chunks: number;
  tiles: number;
}

interface DiagramPipeline {
  root: ReturnType<typeof tgpu.initFromDevice>;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const pipelines = new WeakMap<GPUDevice, Map<GpuDiagramPrecision, Promise<DiagramPipeline>>>();

function getPipeline(device: GPUDevice, precision: GpuDiagramPrecision): Promise<DiagramPipeline> {
  let byPrecision = pipelines.get(device);
  if (byPrecision === undefined) {
    byPrecision = new Map();
    pipelines.set(device, byPrecision);
  }
  let pipeline = byPrecision.get(precision);
  if (pipeline === undefined) {
    pipeline = createPipeline(device, precision);
    byPrecision.set(precision, pipeline);
    // A failed compilation is not cached, so a later call reports it again.
    pipeline.catch(() => byPrecision.delete(precision));
  }
  return pipeline;
}

async function createPipeline(device: GPUDevice, precision: GpuDiagramPrecision): Promise<DiagramPipeline> {
  const root = tgpu.initFromDevice({ device });
  const variant = VARIANTS[precision];
  const code = resolveKernel([...variant.sources, commonSource, source], { DiagramState: variant.schema, DiagramParams });
  const layout = device.createBindGroupLayout({
    label: 'bifurcation diagram',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
    ],
  });
  const module = device.createShaderModule({ label: 'uv-bifurcation.wgsl', code });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: `bifurcation diagram (${precision})`,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'accumulate' },
    });
    return { root, pipeline, layout };
  } catch (error) {
    const info = await module.getCompilationInfo();
    const errors = info.messages.filter((message) => message.type === 'error').map((message) => `${message.lineNum}:${message.linePos} ${message.message}`);
    throw new Error(`The bifurcation-diagram kernel failed to compile: ${(error as Error).message}${errors.length > 0 ? `. WGSL errors: ${errors.join('; ')}` : ''}`, {
      cause: error,
    });
  }
}

/** Writes a float64 value as f32, or as a df64 pair (hi, lo = value − hi) at `offset` and `offset + 1`. */
function writeReal(floats: Float32Array, offset: number, value: number, precision: GpuDiagramPrecision): void {
  const high = Math.fround(value);
  floats[offset] = high;
  if (precision === 'df64') {
    floats[offset + 1] = value - high;
  }
}

function createAbortError(): Error {
  return new DOMException('The render was cancelled.', 'AbortError');
}

/** Awaits `promise` unless `device` is lost first, which raises a DeviceLostError. */
function unlessDeviceLost<T>(device: GPUDevice, promise: Promise<T>): Promise<T> {
  return Promise.race([
    paced(promise),
    device.lost.then((lost) => {
      throw new DeviceLostError(`${lost.reason}: ${lost.message || 'no message'}`);
    }),
  ]);
}

/**
 * Computes the counts of `diagram` on the engine's device with the kernel of `precision`
 * (`options.precision` is not read here, and no precision check runs). A lost device is rebuilt
 * through the engine and the diagram restarts, up to `maxRecoveries` times.
 *
 * @throws ValidationError when the density image does not fit one storage binding of the adapter.
 * @throws DOMException named AbortError when `signal` aborts between chunks.
 */
export async function renderDiagramOnGpu(
  engine: GpuEngine,
  diagram: BifurcationDiagram,
  options: DiagramRenderOptions = {},
  precision: GpuDiagramPrecision = 'float32',
): Promise<DiagramRender> {
  const maxRecoveries = options.maxRecoveries ?? 2;
  for (let recoveries = 0; ; recoveries++) {
    try {
      return await renderOnce(engine, diagram, options, precision);
    } catch (error) {
      if (!(error instanceof DeviceLostError) || recoveries >= maxRecoveries) {
        throw error;
      }
      log.warn('device', `${error.message}; rebuilding the device and restarting the bifurcation diagram`);
      await engine.recover();
    }
  }
}

async function renderOnce(engine: GpuEngine, diagram: BifurcationDiagram, options: DiagramRenderOptions, precision: GpuDiagramPrecision): Promise<DiagramRender> {
  const started = performance.now();
  const device = engine.device;
  const { root, pipeline, layout } = await unlessDeviceLost(device, getPipeline(device, precision));
  const stateLayout = VARIANTS[precision].layout;
  const stateBytes = stateLayout.words * 4;
  const limits = device.limits;
  const cells = diagram.columns * diagram.rows;
  const densityBytes = (cells + diagram.columns) * 4;
  const bindingLimit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (densityBytes > bindingLimit) {
    throw new ValidationError(
      'rows',
      diagram.rows,
      `columns × (rows + 1) × 4 bytes ≤ ${bindingLimit}, the largest storage buffer of this adapter ` +
        `(it is ${densityBytes} with columns = ${diagram.columns}); lower the resolution`,
    );
  }

  const total = diagram.transient + diagram.recorded;
  const rangeMin = diagram.y.scale === 'log' ? Math.log(diagram.y.min) : diagram.y.min;
  const progress: DiagramProgress = { done: 0, total: diagramTrajectorySteps(diagram) };
  const density = emptyDensity(diagram);
  const view = diagramTrajectoryView(diagram);
  const stateLimit = Math.floor(Math.min(bindingLimit, STATE_BUDGET_BYTES) / stateBytes);
  const tileTrajectories = Math.min(stateLimit, options.maxTileTrajectories ?? stateLimit);
  const tileColumns = Math.max(1, Math.floor(tileTrajectories / diagram.samples));
  if (diagram.samples > stateLimit) {
    throw new ValidationError('samples', diagram.samples, `at most ${stateLimit} samples per column on this adapter (one column's states must fit one tile)`);
  }

  const densityBuffer = device.createBuffer({ label: 'diagram density', size: densityBytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const paramsBuffer = root.createBuffer(DiagramParams).$usage('uniform');
  const readBuffer = device.createBuffer({ label: 'diagram read back', size: densityBytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  let stateBuffer: GPUBuffer | undefined;
  let chunks = 0;
  let tiles = 0;
  let throughput = INITIAL_THROUGHPUT;
  try {
    for (let firstColumn = 0; firstColumn < diagram.columns; firstColumn += tileColumns) {
      const columnCount = Math.min(tileColumns, diagram.columns - firstColumn);
      const trajectoryCount = columnCount * diagram.samples;
      const states = new ArrayBuffer(trajectoryCount * stateBytes);
      const floats = new Float32Array(states);
      const words = new Uint32Array(states);
      for (let column = firstColumn; column < firstColumn + columnCount; column++) {
        for (let sample = 0; sample < diagram.samples; sample++) {
          const offset = ((column - firstColumn) * diagram.samples + sample) * stateLayout.words;
          const start = diagramStart(diagram, column, sample, view);
          words[offset + stateLayout.column] = column;
          if (start === undefined) {
            words[offset + stateLayout.flags] = DIAGRAM_FLAG_INVALID;
            density.invalid[column]! += 1;
            continue;
          }
          writeReal(floats, offset + stateLayout.pHat, start.pHat, precision);
          writeReal(floats, offset + stateLayout.qHat, start.qHat, precision);
          writeReal(floats, offset + stateLayout.yTilde, start.yTilde, precision);
          floats[offset + stateLayout.residualScale] = start.residualScale;
        }
      }
      stateBuffer?.destroy();
      stateBuffer = device.createBuffer({ label: 'diagram states', size: states.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(stateBuffer, 0, states);
      const bindGroup = device.createBindGroup({
        layout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(paramsBuffer) } },
          { binding: 1, resource: { buffer: stateBuffer } },
          { binding: 2, resource: { buffer: densityBuffer } },
        ],
      });
      const groups = Math.ceil(trajectoryCount / WORKGROUP_SIZE);
      const groupsX = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
      const groupsY = Math.ceil(groups / groupsX);

      let step = 0;
      while (step < total) {
        if (options.signal?.aborted === true) {
          throw createAbortError();
        }
        const targetSeconds = (options.targetChunkMilliseconds ?? DEFAULT_CHUNK_MILLISECONDS) / 1000;
        const timedSteps = Math.max(16, Math.floor((throughput * targetSeconds) / trajectoryCount));
        const steps = Math.min(options.chunkSteps ?? timedSteps, total - step);
        paramsBuffer.write({
          trajectoryCount,
          rowStride: groupsX * WORKGROUP_SIZE,
          firstStep: step,
          steps,
          transient: diagram.transient,
          columns: diagram.columns,
          rows: diagram.rows,
          quantity: DIAGRAM_QUANTITY_CODES[diagram.quantity],
          logScale: diagram.y.scale === 'log' ? 1 : 0,
          rangeMin: rangeMin,
          rangeMinLow: precision === 'df64' && diagram.y.scale !== 'log' ? diagram.y.min - Math.fround(diagram.y.min) : 0,
          rangeSpan: diagram.y.scale === 'log' ? Math.log(diagram.y.max) - Math.log(diagram.y.min) : diagram.y.max - diagram.y.min,
          divergenceBound: DEFAULT_ANALYSIS_SETTINGS.divergenceBound,
          opaqueZero: 0,
        });
        const encoder = device.createCommandEncoder({ label: 'diagram chunk' });
        const pass = encoder.beginComputePass();
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(groupsX, groupsY);
        pass.end();
        const chunkStarted = performance.now();
        device.queue.submit([encoder.finish()]);
        await unlessDeviceLost(device, device.queue.onSubmittedWorkDone());
        const seconds = Math.max(1e-4, (performance.now() - chunkStarted) / 1000);
        throughput = (trajectoryCount * steps) / seconds;
        step += steps;
        chunks += 1;
        progress.done += trajectoryCount * steps;
        options.onProgress?.({ ...progress });
      }
      tiles += 1;
    }

    const encoder = device.createCommandEncoder({ label: 'diagram read back' });
    encoder.copyBufferToBuffer(densityBuffer, 0, readBuffer, 0, densityBytes);
    device.queue.submit([encoder.finish()]);
    await unlessDeviceLost(device, readBuffer.mapAsync(GPUMapMode.READ));
    const counts = new Uint32Array(readBuffer.getMappedRange());
    density.counts.set(counts.subarray(0, cells));
    density.diverged.set(counts.subarray(cells, cells + diagram.columns));
    readBuffer.unmap();
  } finally {
    stateBuffer?.destroy();
    densityBuffer.destroy();
    readBuffer.destroy();
    paramsBuffer.destroy();
  }
  return {
    density,
    description: engine.adapterName,
    engine: 'webgpu',
    arithmetic: precision,
    trajectorySteps: progress.total,
    elapsedMilliseconds: performance.now() - started,
    chunks,
    tiles,
  };
}

/** Raised when no available precision (or the requested one) resolves a diagram. */
export class DiagramPrecisionError extends Error {
  /**
   * @param reason The precisions and what each cannot resolve.
   * @param advice What to change; the default fits a spacing of columns below the precision's resolution.
   */
  constructor(reason: string, advice = 'Widen the x or y range, or lower the columns, rows or samples.') {
    super(`The bifurcation diagram is beyond the available precision (${reason}). ${advice}`);
    this.name = 'DiagramPrecisionError';
  }
}

/**
 * Computes the counts of `diagram` on the float64 CPU path, in batches of columns on
 * worker threads (`options.workers`, by default one per logical core), or in the calling
 * thread when `workers` is 0 or no worker starts. See accumulateDiagramOnCpu.
 *
 * @throws DOMException named AbortError when `signal` aborts, after the workers have been terminated.
 * @throws RangeError when `workers` is not an integer ≥ 0.
 */
export async function renderDiagramOnCpu(diagram: BifurcationDiagram, options: DiagramRenderOptions = {}, description = 'float64 CPU engine'): Promise<DiagramRender> {
  const started = performance.now();
  const onProgress = options.onProgress;
  const { density, batches } = await accumulateDiagramOnCpu(diagram, {
    signal: options.signal,
    workers: options.workers,
    onProgress: onProgress === undefined ? undefined : (done, total) => onProgress({ done, total }),
  });
  return {
    density,
    description,
    engine: 'cpu',
    arithmetic: 'float64',
    trajectorySteps: diagramTrajectorySteps(diagram),
    elapsedMilliseconds: performance.now() - started,
    chunks: batches,
    tiles: 1,
  };
}

/**
 * Computes the counts of `diagram` with the page's or the command line's engine, in the
 * precision that `options.precision` names or, by default, the cheapest one that
 * resolves the diagram: float32 or df64 kernels on WebGPU, float64 on the CPU.
 *
 * @throws DiagramPrecisionError when no available precision (or the named one) resolves the diagram.
 */
export async function renderDiagram(engine: Engine, diagram: BifurcationDiagram, options: DiagramRenderOptions = {}): Promise<DiagramRender> {
  const gpu = engine.kind === 'webgpu' ? engine.gpu : undefined;
  const available: Precision[] = gpu === undefined ? ['float64'] : ['float32', 'df64', 'float64'];
  const requested = options.precision ?? 'auto';
  let precision: Precision;
  if (requested === 'auto') {
    const choice = chooseDiagramPrecision(diagram, available);
    if (choice.precision === undefined) {
      throw new DiagramPrecisionError(choice.problems.map((entry) => `${entry.precision}: ${entry.problem}`).join('; '));
    }
    precision = choice.precision;
  } else {
    if (!available.includes(requested)) {
      throw new ValidationError('precision', requested, `one of ${available.join(', ')} on the ${engine.description}`);
    }
    const problem = diagramPrecisionProblem(diagram, requested);
    if (problem !== undefined) {
      const limit = MAX_RECORDED_STEPS[requested];
      const advice =
        diagram.recorded > limit
          ? `Record at most ${limit} steps in ${requested}, or choose a precision that records more (df64: ${MAX_RECORDED_STEPS.df64}).`
          : undefined;
      throw new DiagramPrecisionError(`${requested}: ${problem}`, advice);
    }
    precision = requested;
  }
  if (precision === 'float64' || gpu === undefined) {
    return renderDiagramOnCpu(diagram, options, gpu === undefined ? engine.description : 'float64 CPU path');
  }
  return renderDiagramOnGpu(gpu, diagram, options, precision);
}
