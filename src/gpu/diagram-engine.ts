/**
 * Renders bifurcation diagrams on the GPU with shaders/uv-bifurcation.wgsl:
 * starts computed on the host in float64, steps advanced in timed chunks,
 * counts accumulated with integer atomics in one density buffer, read back once.
 * The device is the trajectory engine's, so a page uses one device for both.
 */
import tgpu from 'typegpu';
import source from '../../shaders/uv-bifurcation.wgsl?raw';
import commonSource from '../../shaders/uv-common.wgsl?raw';
import { DEFAULT_ANALYSIS_SETTINGS } from '../core/analysis.ts';
import {
  accumulateDiagram,
  DIAGRAM_QUANTITY_CODES,
  diagramFloat32Problem,
  diagramStart,
  diagramTrajectorySteps,
  diagramTrajectoryView,
  emptyDensity,
  type BifurcationDiagram,
  type DiagramDensity,
} from '../core/bifurcation-diagram.ts';
import { ValidationError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { DeviceLostError } from './context.ts';
import { DIAGRAM_FLAG_INVALID, DIAGRAM_STATE_WORDS, DiagramParams, DiagramState } from './diagram-schemas.ts';
import type { Engine } from './engine.ts';
import type { GpuEngine } from './trajectory-engine.ts';

const log = createLogger('gpu');

const WORKGROUP_SIZE = 64;
const STATE_BYTES = DIAGRAM_STATE_WORDS * 4;
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
}

/** Counts of a diagram and how they were computed. */
export interface DiagramRender {
  density: DiagramDensity;
  /** Adapter name, or the CPU engine's description. */
  description: string;
  engine: 'webgpu' | 'cpu';
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

const pipelines = new WeakMap<GPUDevice, Promise<DiagramPipeline>>();

function getPipeline(device: GPUDevice): Promise<DiagramPipeline> {
  let pipeline = pipelines.get(device);
  if (pipeline === undefined) {
    pipeline = createPipeline(device);
    pipelines.set(device, pipeline);
    // A failed compilation is not cached, so a later call reports it again.
    pipeline.catch(() => pipelines.delete(device));
  }
  return pipeline;
}

async function createPipeline(device: GPUDevice): Promise<DiagramPipeline> {
  const root = tgpu.initFromDevice({ device });
  // TypeGPU prepends the struct declarations generated from the schemas.
  const code = tgpu.resolve({ template: `${commonSource}\n${source}`, externals: { DiagramState, DiagramParams } });
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
      label: 'bifurcation diagram',
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

function createAbortError(): Error {
  return new DOMException('The render was cancelled.', 'AbortError');
}

/** Awaits `promise` unless `device` is lost first, which raises a DeviceLostError. */
function unlessDeviceLost<T>(device: GPUDevice, promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    device.lost.then((lost) => {
      throw new DeviceLostError(`${lost.reason}: ${lost.message || 'no message'}`);
    }),
  ]);
}

/**
 * Computes the counts of `diagram` on the engine's device. A lost device is rebuilt
 * through the engine and the diagram restarts, up to `maxRecoveries` times.
 *
 * @throws ValidationError when the density image does not fit one storage binding of the adapter.
 * @throws DOMException named AbortError when `signal` aborts between chunks.
 */
export async function renderDiagramOnGpu(engine: GpuEngine, diagram: BifurcationDiagram, options: DiagramRenderOptions = {}): Promise<DiagramRender> {
  const maxRecoveries = options.maxRecoveries ?? 2;
  for (let recoveries = 0; ; recoveries++) {
    try {
      return await renderOnce(engine, diagram, options);
    } catch (error) {
      if (!(error instanceof DeviceLostError) || recoveries >= maxRecoveries) {
        throw error;
      }
      log.warn('device', `${error.message}; rebuilding the device and restarting the bifurcation diagram`);
      await engine.recover();
    }
  }
}

async function renderOnce(engine: GpuEngine, diagram: BifurcationDiagram, options: DiagramRenderOptions): Promise<DiagramRender> {
  const started = performance.now();
  const device = engine.device;
  const { root, pipeline, layout } = await unlessDeviceLost(device, getPipeline(device));
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
  const progress: DiagramProgress = { done: 0, total: diagramTrajectorySteps(diagram) };
  const density = emptyDensity(diagram);
  const view = diagramTrajectoryView(diagram);
  const stateLimit = Math.floor(Math.min(bindingLimit, STATE_BUDGET_BYTES) / STATE_BYTES);
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
      const states = new ArrayBuffer(trajectoryCount * STATE_BYTES);
      const floats = new Float32Array(states);
      const words = new Uint32Array(states);
      for (let column = firstColumn; column < firstColumn + columnCount; column++) {
        for (let sample = 0; sample < diagram.samples; sample++) {
          const offset = ((column - firstColumn) * diagram.samples + sample) * DIAGRAM_STATE_WORDS;
          const start = diagramStart(diagram, column, sample, view);
          words[offset + 4] = column;
          if (start === undefined) {
            words[offset + 5] = DIAGRAM_FLAG_INVALID;
            density.invalid[column]! += 1;
            continue;
          }
          floats[offset] = start.pHat;
          floats[offset + 1] = start.qHat;
          floats[offset + 2] = start.yTilde;
          floats[offset + 3] = start.residualScale;
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
          rangeMin: diagram.y.scale === 'log' ? Math.log(diagram.y.min) : diagram.y.min,
          rangeMax: diagram.y.scale === 'log' ? Math.log(diagram.y.max) : diagram.y.max,
          divergenceBound: DEFAULT_ANALYSIS_SETTINGS.divergenceBound,
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
    trajectorySteps: progress.total,
    elapsedMilliseconds: performance.now() - started,
    chunks,
    tiles,
  };
}

/** Raised when a float32 kernel is asked for a diagram that float32 cannot resolve. */
export class DiagramPrecisionError extends Error {
  constructor(reason: string) {
    super(`The bifurcation diagram is beyond float32 precision: ${reason}.`);
    this.name = 'DiagramPrecisionError';
  }
}

/** Columns of the CPU engine between two yields to the event loop: about 50 ms of work. */
function cpuBatchColumns(diagram: BifurcationDiagram): number {
  const stepsPerColumn = diagram.samples * (diagram.transient + diagram.recorded);
  return Math.max(1, Math.floor(2e6 / stepsPerColumn));
}

/**
 * Computes the counts of `diagram` on the float64 CPU path, in batches of columns that
 * yield to the event loop between them, so a page stays responsive and can cancel.
 */
export async function renderDiagramOnCpu(diagram: BifurcationDiagram, options: DiagramRenderOptions = {}, description = 'float64 CPU engine'): Promise<DiagramRender> {
  const started = performance.now();
  const density = emptyDensity(diagram);
  const batch = cpuBatchColumns(diagram);
  const stepsPerColumn = diagram.samples * (diagram.transient + diagram.recorded);
  const progress: DiagramProgress = { done: 0, total: diagramTrajectorySteps(diagram) };
  let chunks = 0;
  // NOTE: this runs on the calling thread; the phase map's CPU engine uses workers, this path does not yet.
  for (let column = 0; column < diagram.columns; column += batch) {
    if (options.signal?.aborted === true) {
      throw createAbortError();
    }
    const count = Math.min(batch, diagram.columns - column);
    accumulateDiagram(diagram, column, count, density);
    chunks += 1;
    progress.done += count * stepsPerColumn;
    options.onProgress?.({ ...progress });
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { density, description, engine: 'cpu', trajectorySteps: progress.total, elapsedMilliseconds: performance.now() - started, chunks, tiles: 1 };
}

/**
 * Computes the counts of `diagram` with the page's or the command line's engine: the
 * float32 kernel on WebGPU, the float64 CPU path otherwise.
 *
 * @throws DiagramPrecisionError on WebGPU when float32 cannot resolve the diagram.
 */
export async function renderDiagram(engine: Engine, diagram: BifurcationDiagram, options: DiagramRenderOptions = {}): Promise<DiagramRender> {
  if (engine.kind === 'webgpu' && engine.gpu !== undefined) {
    const problem = diagramFloat32Problem(diagram);
    if (problem !== undefined) {
      throw new DiagramPrecisionError(problem);
    }
    return renderDiagramOnGpu(engine.gpu, diagram, options);
  }
  return renderDiagramOnCpu(diagram, options, engine.description);
}
