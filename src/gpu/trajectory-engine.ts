/**
 * The WebGPU engine: turns a view into its 16 per-pixel layers with the
 * trajectory kernel (shaders/uv-trajectory.wgsl) and the per-pixel reduction
 * (shaders/uv-reduce.wgsl).
 *
 * Work is split twice. Tiles bound memory: each tile's trajectory states fit
 * the adapter's storage-binding limit. Chunks bound time: steps advance in
 * chunks sized to take about `targetChunkMilliseconds`, far below the ~2 s GPU
 * watchdog of browsers, and cancellation is checked between chunks.
 */
import tgpu from 'typegpu';
import * as d from 'typegpu/data';
import { DEFAULT_ANALYSIS_SETTINGS, MIN_LYAPUNOV_STEPS, TANGENT_START, analysisWindows, type AnalysisSettings } from '../core/analysis.ts';
import { ValidationError, invariant } from '../core/errors.ts';
import { LAYER_COUNT, LAYER_NAMES, allocateViewLayers, type ViewLayers } from '../core/layers.ts';
import { createLogger } from '../core/logger.ts';
import type { Precision } from '../core/precision.ts';
import { pixelStart, type TrajectoryStart, type View } from '../core/view.ts';
import realDf64Source from '../../shaders/real-df64.wgsl?raw';
import realF32Source from '../../shaders/real-f32.wgsl?raw';
import reduceSource from '../../shaders/uv-reduce.wgsl?raw';
import trajectorySource from '../../shaders/uv-trajectory.wgsl?raw';
import { DeviceLostError, createGpuContext, unlessLost, type AdapterSource, type GpuContext } from './context.ts';
import { DF64_SOURCE, resolveKernel } from './kernel-sources.ts';
import {
  FLAG_INVALID,
  ReduceParams,
  START_WORD,
  START_WORD_DF64,
  StepParams,
  TRAJECTORY_STATE_DF64_WORDS,
  TRAJECTORY_STATE_WORDS,
  TrajectoryStartRecord,
  TrajectoryStartRecordDf64,
  TrajectoryState,
  TrajectoryStateDf64,
  type StartWordOffsets,
} from './schemas.ts';
import { BufferPool } from './buffer-pool.ts';

const log = createLogger('gpu');

const WORKGROUP_SIZE = 64;
const RESULT_BYTES = LAYER_COUNT * 4;

/** Arithmetic of the map state in the WebGPU kernels (float64 runs on the CPU engine). */
export type GpuPrecision = Exclude<Precision, 'float64'>;

/** Trajectory storage of one precision's kernels and the WGSL files that define their Real type. */
interface StateLayout {
  schema: typeof TrajectoryState | typeof TrajectoryStateDf64;
  /** 4-byte words per trajectory. */
  words: number;
  /** The start record that the host uploads and `initialize` expands. */
  startSchema: typeof TrajectoryStartRecord | typeof TrajectoryStartRecordDf64;
  start: StartWordOffsets;
  /** Files that come before the kernel sources: the Real type and its arithmetic. */
  realSources: readonly string[];
  /** Whether Real fields are df64 pairs (hi, then lo). */
  pairs: boolean;
}

const STATE_LAYOUTS: Record<GpuPrecision, StateLayout> = {
  float32: {
    schema: TrajectoryState,
    words: TRAJECTORY_STATE_WORDS,
    startSchema: TrajectoryStartRecord,
    start: START_WORD,
    realSources: [realF32Source],
    pairs: false,
  },
  df64: {
    schema: TrajectoryStateDf64,
    words: TRAJECTORY_STATE_DF64_WORDS,
    startSchema: TrajectoryStartRecordDf64,
    start: START_WORD_DF64,
    realSources: [DF64_SOURCE, realDf64Source],
    pairs: true,
  },
};

/** Progress of a render. */
export interface RenderProgress {
  /** Trajectory-steps done so far. */
  done: number;
  /** Trajectory-steps of the whole view. */
  total: number;
  /** Tiles finished so far; tiles are sized as the render goes. */
  tilesDone: number;
  /** Pixels of the finished tiles, of `pixels`. */
  pixelsDone: number;
  pixels: number;
}

/** Options of one render. */
export interface RenderOptions {
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
  /** Maximum trajectories per tile. The adapter's binding limit and a 64 MiB state budget apply too. */
  maxTileTrajectories?: number;
  /** Fixed steps per chunk. Without it the engine sizes chunks to `targetChunkMilliseconds`. */
  chunkSteps?: number;
  /** Target duration of one chunk when sizing chunks automatically (default 150 ms in a page, 400 ms in Node). */
  targetChunkMilliseconds?: number;
  /** Times to rebuild a lost device and resume before giving up (default 2). */
  maxRecoveries?: number;
  settings?: AnalysisSettings;
  /** Arithmetic of the map state (default float32). */
  precision?: GpuPrecision;
  /**
   * Whether to keep the view's results on the device as `GpuRender.results`, for
   * colour mapping without a round trip (default true). Callers that read only the
   * layers pass false: tiles then write into a pooled buffer, which saves creating
   * and clearing a view-wide buffer per render (64 MiB for 1024²).
   */
  keepResults?: boolean;
}

/** Layers of a rendered view with how they were computed. */
export interface GpuRender {
  layers: ViewLayers;
  adapterName: string;
  precision: GpuPrecision;
  /** Trajectory-steps of the view: pixels × samples × (steps + 1), invalid pixels included. */
  trajectorySteps: number;
  elapsedMilliseconds: number;
  /** Tiles and chunks dispatched. */
  tiles: number;
  chunks: number;
  /** First pixel of each tile, in order: tile k covers pixels [tileStarts[k], tileStarts[k + 1]) in row-major order. */
  tileStarts: number[];
  /** Device losses recovered from during this render. */
  recoveries: number;
  /**
   * The pixel-major results (16 floats per pixel) on the device, for colour mapping
   * without a round trip through JavaScript. Undefined when the whole view does not
   * fit one buffer. The caller owns it and destroys it when done.
   */
  results: GPUBuffer | undefined;
}

/** Default budget for one tile's trajectory states. */
const STATE_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * Default duration of one chunk. Browsers reset a device whose work runs for about
 * 2 s, so pages stay far below that. Node has no such watchdog, and longer chunks
 * there spend less time re-reading and re-writing every state, because each chunk
 * moves 2 × 100 bytes per trajectory (2 × 128 in df64).
 */
const DEFAULT_CHUNK_MILLISECONDS = typeof window === 'undefined' ? 400 : 150;

/** Minimum steps that a timed chunk should advance (see tilePixelCount). */
const MIN_CHUNK_STEPS = 32;

function createAbortError(): Error {
  // A DOMException named AbortError, like fetch() and the CPU engine raise.
  return new DOMException('The render was cancelled.', 'AbortError');
}

/** Compiled pipelines of one device. */
interface Pipelines {
  initialize: GPUComputePipeline;
  advance: GPUComputePipeline;
  reduce: GPUComputePipeline;
  initializeLayout: GPUBindGroupLayout;
  advanceLayout: GPUBindGroupLayout;
  reduceLayout: GPUBindGroupLayout;
}

async function compilePipelines(context: GpuContext, precision: GpuPrecision): Promise<Pipelines> {
  const { device } = context;
  // Both precisions share the kernel sources, after the files that define Real. TypeGPU
  // prepends the struct declarations generated from the schemas; the kernels name the
  // state struct TrajectoryState in both.
  const layout = STATE_LAYOUTS[precision];
  const advanceCode = resolveKernel([...layout.realSources, trajectorySource], {
    TrajectoryState: layout.schema,
    TrajectoryStart: layout.startSchema,
    StepParams,
  });
  const reduceCode = resolveKernel([...layout.realSources, reduceSource], { TrajectoryState: layout.schema, ReduceParams });

  device.pushErrorScope('validation');
  const initializeLayout = device.createBindGroupLayout({
    label: 'initialize',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
    ],
  });
  const advanceLayout = device.createBindGroupLayout({
    label: 'advance',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
    ],
  });
  const reduceLayout = device.createBindGroupLayout({
    label: 'reduce',
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'read-only-storage' } },
      { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'storage' } },
    ],
  });
  const trajectoryModule = device.createShaderModule({ label: `uv-trajectory.wgsl (${precision})`, code: advanceCode });
  const pipelines = {
    initialize: device.createComputePipeline({
      label: 'initialize',
      layout: device.createPipelineLayout({ bindGroupLayouts: [initializeLayout] }),
      compute: { module: trajectoryModule, entryPoint: 'initialize' },
    }),
    advance: device.createComputePipeline({
      label: 'advance',
      layout: device.createPipelineLayout({ bindGroupLayouts: [advanceLayout] }),
      compute: { module: trajectoryModule, entryPoint: 'advance' },
    }),
    reduce: device.createComputePipeline({
      label: 'reduce',
      layout: device.createPipelineLayout({ bindGroupLayouts: [reduceLayout] }),
      compute: { module: device.createShaderModule({ label: `uv-reduce.wgsl (${precision})`, code: reduceCode }), entryPoint: 'reduce' },
    }),
    initializeLayout,
    advanceLayout,
    reduceLayout,
  };
  // Fail loudly: a kernel that does not compile must stop the engine, not draw nothing.
  const error = await device.popErrorScope();
  if (error !== null) {
    throw new Error(`The ${precision} trajectory kernels failed to compile on ${context.adapterName}: ${error.message}`);
  }
  return pipelines;
}

/** Splits `invocations` into a 2D grid of workgroups within the per-dimension limit. */
export function dispatchGrid(invocations: number, maxPerDimension: number): { x: number; y: number; rowStride: number } {
  const groups = Math.max(1, Math.ceil(invocations / WORKGROUP_SIZE));
  const x = Math.min(groups, maxPerDimension);
  const y = Math.ceil(groups / x);
  invariant(y <= maxPerDimension, `dispatch of ${invocations} invocations exceeds ${maxPerDimension}² workgroups`);
  return { x, y, rowStride: x * WORKGROUP_SIZE };
}

/** A tile's pixel range and the start records of its trajectories. */
interface PreparedTile {
  firstPixel: number;
  pixelCount: number;
  records: ArrayBuffer;
}

/**
 * Trajectories to run: `pixels` pixels of `samples` trajectories each, all with
 * `steps` steps, and a function that writes the start records of a pixel range.
 */
interface WorkSource {
  pixels: number;
  samples: number;
  steps: number;
  startRecords(firstPixel: number, pixelCount: number, precision: GpuPrecision): ArrayBuffer;
}

/**
 * Writes the start record of one trajectory (undefined: an invalid pixel). A float32
 * record gets each float64 start value rounded once. A df64 record gets the pair
 * hi = fround(x), lo = fround(x − hi), whose sum is x to about 2⁻⁴⁸ relative.
 */
function writeStart(
  layout: StateLayout,
  floats: Float32Array,
  words: Uint32Array,
  base: number,
  start: TrajectoryStart | undefined,
  valid: boolean,
): void {
  // Plain statements, no closure: this runs once per trajectory, a million times for a 1024² view.
  const offsets = layout.start;
  const pHat = start?.pHat ?? 0;
  const qHat = start?.qHat ?? 0;
  const yTilde = start?.yTilde ?? 0;
  floats[base + offsets.pHat] = pHat;
  floats[base + offsets.qHat] = qHat;
  floats[base + offsets.yTilde] = yTilde;
  if (layout.pairs) {
    floats[base + offsets.pHat + 1] = pHat - floats[base + offsets.pHat]!;
    floats[base + offsets.qHat + 1] = qHat - floats[base + offsets.qHat]!;
    floats[base + offsets.yTilde + 1] = yTilde - floats[base + offsets.yTilde]!;
  }
  words[base + offsets.flags] = valid ? 0 : FLAG_INVALID;
}

/** Returns the trajectories of a view as a work source. */
function viewWork(view: View): WorkSource {
  return {
    pixels: view.columns * view.rows,
    samples: view.samples,
    steps: view.experiment.steps,
    startRecords: (firstPixel, pixelCount, precision) => writeStartRecords(view, firstPixel, pixelCount, precision),
  };
}

/** Returns explicit starts, one trajectory per pixel, as a work source. */
function startsWork(starts: ReadonlyArray<TrajectoryStart | undefined>, steps: number): WorkSource {
  return {
    pixels: starts.length,
    samples: 1,
    steps,
    startRecords(firstPixel, pixelCount, precision) {
      const layout = STATE_LAYOUTS[precision];
      const buffer = new ArrayBuffer(pixelCount * layout.start.words * 4);
      const floats = new Float32Array(buffer);
      const words = new Uint32Array(buffer);
      for (let p = 0; p < pixelCount; p++) {
        const start = starts[firstPixel + p];
        writeStart(layout, floats, words, p * layout.start.words, start, start !== undefined);
      }
      return buffer;
    },
  };
}

/**
 * Returns the start records of the trajectories of pixels [firstPixel, firstPixel +
 * pixelCount) of a view. A pixel with any invalid sample is invalid as a whole.
 */
export function writeStartRecords(view: View, firstPixel: number, pixelCount: number, precision: GpuPrecision = 'float32'): ArrayBuffer {
  const samples = view.samples;
  const layout = STATE_LAYOUTS[precision];
  const recordWords = layout.start.words;
  const buffer = new ArrayBuffer(pixelCount * samples * recordWords * 4);
  const floats = new Float32Array(buffer);
  const words = new Uint32Array(buffer);
  const starts: Array<TrajectoryStart | undefined> = new Array(samples);
  for (let p = 0; p < pixelCount; p++) {
    const pixel = firstPixel + p;
    const row = Math.floor(pixel / view.columns);
    const column = pixel - row * view.columns;
    let valid = true;
    for (let k = 0; k < samples; k++) {
      starts[k] = pixelStart(view, column, row, k);
      valid &&= starts[k] !== undefined;
    }
    for (let k = 0; k < samples; k++) {
      writeStart(layout, floats, words, (p * samples + k) * recordWords, starts[k], valid);
    }
  }
  return buffer;
}

/**
 * Buffers that the engine reuses between tiles and renders: read-back staging, tile
 * results, tile states and start records. They stay allocated until the engine is
 * disposed: one buffer of each kind per render in flight, of the largest tile's
 * size (the states of a tile take at most 64 MiB).
 */
interface EnginePools {
  staging: BufferPool;
  states: BufferPool;
  starts: BufferPool;
  /** Per-tile results, for renders without a view-wide results buffer. */
  results: BufferPool;
}

function createPools(device: GPUDevice): EnginePools {
  return {
    staging: new BufferPool(device, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'eos-atlas staging'),
    states: new BufferPool(device, GPUBufferUsage.STORAGE, 'eos-atlas trajectory states'),
    starts: new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, 'eos-atlas trajectory starts'),
    results: new BufferPool(device, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC, 'eos-atlas tile results'),
  };
}

function destroyPools(pools: EnginePools): void {
  pools.staging.destroy();
  pools.states.destroy();
  pools.starts.destroy();
  pools.results.destroy();
}

/**
 * Renders views on one WebGPU device, rebuilding the device after a loss.
 * Create it with {@link GpuEngine.create}.
 */
export class GpuEngine {
  private context: GpuContext;
  /** Pipelines of the current device per precision; the df64 ones are compiled on first use. */
  private pipelines: Map<GpuPrecision, Promise<Pipelines>>;
  private pools: EnginePools;
  /**
   * Measured trajectory-steps per second per precision, to size the first chunk of the
   * next tile. The df64 start is a guess, a tenth of float32's.
   */
  private throughput: Record<GpuPrecision, number> = { float32: 5e7, df64: 5e6 };

  private constructor(
    context: GpuContext,
    pipelines: Pipelines,
    private readonly source: AdapterSource,
  ) {
    this.context = context;
    this.pipelines = new Map([['float32', Promise.resolve(pipelines)]]);
    this.pools = createPools(context.device);
  }

  /** Requests a device from `source` and compiles the float32 kernels. */
  static async create(source: AdapterSource): Promise<GpuEngine> {
    const context = await createGpuContext(source);
    return new GpuEngine(context, await compilePipelines(context, 'float32'), source);
  }

  /** Returns the pipelines of `precision` on the current device, compiling them on first use. */
  private pipelinesFor(precision: GpuPrecision): Promise<Pipelines> {
    let pipelines = this.pipelines.get(precision);
    if (pipelines === undefined) {
      pipelines = compilePipelines(this.context, precision);
      // A failed compilation is not cached, so a later render tries again.
      pipelines.catch(() => this.pipelines.delete(precision));
      this.pipelines.set(precision, pipelines);
    }
    return pipelines;
  }

  /** Description of the adapter in use. */
  get adapterName(): string {
    return this.context.adapterName;
  }

  /** The current device (it changes after a recovery). */
  get device(): GPUDevice {
    return this.context.device;
  }

  /** Rebuilds the device and the pipelines, after a device loss. */
  async recover(): Promise<void> {
    if (this.disposed) {
      throw new Error('This GPU engine was disposed; create a new one to render.');
    }
    if (this.recovering !== undefined) {
      // Parallel renders that lose the device share one new device.
      return this.recovering;
    }
    this.recovering = this.rebuild().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private recovering: Promise<void> | undefined;

  private async rebuild(): Promise<void> {
    destroyPools(this.pools);
    this.context = await createGpuContext(this.source);
    this.pipelines = new Map([['float32', Promise.resolve(await compilePipelines(this.context, 'float32'))]]);
    this.pools = createPools(this.context.device);
    log.info(`recovered with a new device on ${this.context.adapterName}`);
  }

  /** Destroys the device. Later renders throw. */
  dispose(): void {
    this.disposed = true;
    destroyPools(this.pools);
    this.context.device.destroy();
  }

  private disposed = false;

  /** Computes every layer of `view`. */
  async render(view: View, options: RenderOptions = {}): Promise<GpuRender> {
    return this.run(viewWork(view), options);
  }

  /**
   * Runs explicit starts for `steps` steps, one trajectory per "pixel" (undefined marks an
   * invalid one), and returns their layers. The inspector and the tests use it.
   */
  async runStarts(starts: ReadonlyArray<TrajectoryStart | undefined>, steps: number, options: RenderOptions = {}): Promise<GpuRender> {
    return this.run(startsWork(starts, steps), options);
  }

  private async run(work: WorkSource, options: RenderOptions): Promise<GpuRender> {
    if (this.disposed) {
      throw new Error('This GPU engine was disposed; create a new one to render.');
    }
    const started = performance.now();
    const settings = options.settings ?? DEFAULT_ANALYSIS_SETTINGS;
    const precision = options.precision ?? 'float32';
    const totalPixels = work.pixels;
    const steps = work.steps;
    const layers = allocateViewLayers(totalPixels);
    const totalWork = totalPixels * work.samples * (steps + 1);
    const progress: RenderProgress = { done: 0, total: totalWork, tilesDone: 0, pixelsDone: 0, pixels: totalPixels };
    let chunks = 0;
    let tiles = 0;
    const tileStarts: number[] = [];
    let recoveries = 0;
    const maxRecoveries = options.maxRecoveries ?? 2;

    // Sized per tile from the throughput measured so far (see tilePixelCount).
    const prepareTile = (firstPixel: number): PreparedTile => {
      const pixelCount = Math.min(this.tilePixelCount(work.samples, steps, precision, options), totalPixels - firstPixel);
      return { firstPixel, pixelCount, records: work.startRecords(firstPixel, pixelCount, precision) };
    };
    let nextTile: PreparedTile | undefined;
    let layersTouched = false;

    const keepResults = options.keepResults ?? true;
    let results = keepResults ? this.createResultsBuffer(totalPixels) : undefined;
    try {
      let firstPixel = 0;
      while (firstPixel < totalPixels) {
        const tile = nextTile?.firstPixel === firstPixel ? nextTile : prepareTile(firstPixel);
        nextTile = undefined;
        const pixelCount = tile.pixelCount;
        // While this tile's first chunk runs, the host writes the next tile's starts and,
        // once per render, touches the layers' pages.
        const whileFirstChunkRuns = (): void => {
          if (nextTile === undefined && firstPixel + pixelCount < totalPixels) {
            nextTile = prepareTile(firstPixel + pixelCount);
          }
          if (!layersTouched) {
            touchLayers(layers);
            layersTouched = true;
          }
        };
        for (;;) {
          try {
            chunks += await this.renderTile(work, precision, tile, layers, settings, options, progress, results, whileFirstChunkRuns);
            break;
          } catch (error) {
            if (!(error instanceof DeviceLostError) || recoveries >= maxRecoveries) {
              throw error;
            }
            // The finished tiles are on the host already; only this tile restarts.
            recoveries += 1;
            log.warn('device', `${error.message}; rebuilding the device and restarting the tile at pixel ${firstPixel}`);
            await this.recover();
            progress.done = firstPixel * work.samples * (steps + 1);
            // The old device's buffer is gone: upload the finished tiles into a new one.
            results = keepResults ? this.createResultsBuffer(totalPixels) : undefined;
            if (results !== undefined) {
              this.context.device.queue.writeBuffer(results, 0, gatherLayers(layers, 0, firstPixel));
            }
          }
        }
        tiles += 1;
        tileStarts.push(firstPixel);
        firstPixel += pixelCount;
        progress.tilesDone = tiles;
        progress.pixelsDone = firstPixel;
        options.onProgress?.({ ...progress });
      }
    } catch (error) {
      results?.destroy();
      throw error;
    }

    return {
      layers,
      adapterName: this.context.adapterName,
      precision,
      trajectorySteps: totalWork,
      elapsedMilliseconds: performance.now() - started,
      tiles,
      chunks,
      tileStarts,
      recoveries,
      results,
    };
  }

  /** Creates the view-wide results buffer, or returns undefined when it exceeds the device's buffer limit. */
  private createResultsBuffer(pixels: number): GPUBuffer | undefined {
    const size = pixels * RESULT_BYTES;
    if (size > this.context.device.limits.maxBufferSize) {
      return undefined;
    }
    return this.context.device.createBuffer({
      label: 'eos-atlas results',
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * Pixels per tile, a multiple of 4 (so result offsets are multiples of 256 bytes).
   * Memory caps a tile at the state budget and the binding limit. Time caps it too,
   * so that a chunk advances at least MIN_CHUNK_STEPS steps within the target chunk
   * time at the measured throughput. Every chunk reads and writes all states, and
   * chunks of a step or two would spend their time on that traffic.
   */
  private tilePixelCount(samples: number, steps: number, precision: GpuPrecision, options: RenderOptions): number {
    const limits = this.context.device.limits;
    const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize, STATE_BUDGET_BYTES);
    let trajectories = Math.floor(bytes / (STATE_LAYOUTS[precision].words * 4));
    const memoryPixels = Math.floor(trajectories / samples / 4) * 4;
    if (memoryPixels < 4) {
      throw new ValidationError(
        'samples',
        samples,
        `at most ${Math.floor(trajectories / 4)} samples per pixel on this adapter (4 pixels of states must fit one tile)`,
      );
    }
    if (options.maxTileTrajectories !== undefined) {
      trajectories = Math.min(trajectories, options.maxTileTrajectories);
    } else if (options.chunkSteps === undefined) {
      const targetSeconds = (options.targetChunkMilliseconds ?? DEFAULT_CHUNK_MILLISECONDS) / 1000;
      const byTime = Math.floor((this.throughput[precision] * targetSeconds) / Math.min(MIN_CHUNK_STEPS, steps + 1));
      trajectories = Math.min(trajectories, byTime);
    }
    return Math.max(4, Math.min(memoryPixels, Math.floor(trajectories / samples / 4) * 4));
  }

  /** Runs one tile to completion and copies its layers into `layers`. Returns the chunks dispatched. */
  private async renderTile(
    work: WorkSource,
    precision: GpuPrecision,
    tile: PreparedTile,
    layers: ViewLayers,
    settings: AnalysisSettings,
    options: RenderOptions,
    progress: RenderProgress,
    viewResults: GPUBuffer | undefined,
    whileFirstChunkRuns: () => void,
  ): Promise<number> {
    const { firstPixel, pixelCount } = tile;
    const pipelines = await this.pipelinesFor(precision);
    const context = this.context;
    const { device, root } = context;
    const steps = work.steps;
    const trajectoryCount = pixelCount * work.samples;
    const maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension;
    const windows = analysisWindows(steps);
    const progressAtStart = progress.done;

    const layout = STATE_LAYOUTS[precision];
    // Binding sizes are exact, so the kernels' arrays hold this tile's trajectories even in a larger pooled buffer.
    const stateBytes = d.sizeOf(d.arrayOf(layout.schema, trajectoryCount));
    const startBytes = d.sizeOf(d.arrayOf(layout.startSchema, trajectoryCount));
    // A device rebuilt during this tile replaces this.pools; the buffers go back to the pools they came from.
    const pools = this.pools;
    const stateBuffer = pools.states.acquire(stateBytes);
    const startBuffer = pools.starts.acquire(startBytes);
    const states = { buffer: stateBuffer, offset: 0, size: stateBytes };
    // The tile writes into its slice of the view-wide buffer. Its offset is a multiple of
    // 4 pixels × 64 bytes, which meets the 256-byte storage offset alignment.
    const tileResults = viewResults === undefined ? pools.results.acquire(pixelCount * RESULT_BYTES) : undefined;
    const resultBuffer = viewResults ?? tileResults!;
    const resultOffset = viewResults === undefined ? 0 : firstPixel * RESULT_BYTES;
    const stepParams = root.createBuffer(StepParams).$usage('uniform');
    const reduceParams = root.createBuffer(ReduceParams).$usage('uniform');
    try {
      device.queue.writeBuffer(startBuffer, 0, tile.records);

      const grid = dispatchGrid(trajectoryCount, maxPerDimension);
      const initializeGroup = device.createBindGroup({
        layout: pipelines.initializeLayout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(stepParams) } },
          { binding: 1, resource: states },
          { binding: 2, resource: { buffer: startBuffer, offset: 0, size: startBytes } },
        ],
      });
      const advanceGroup = device.createBindGroup({
        layout: pipelines.advanceLayout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(stepParams) } },
          { binding: 1, resource: states },
        ],
      });

      let chunks = 0;
      let next = 0;
      let chunkSteps = options.chunkSteps ?? this.initialChunkSteps(trajectoryCount, precision, options);
      while (next <= steps) {
        if (options.signal?.aborted) {
          throw createAbortError();
        }
        const last = Math.min(steps, next + chunkSteps - 1);
        stepParams.write({
          trajectoryCount,
          rowStride: grid.rowStride,
          lastStep: last,
          totalSteps: steps,
          lateStart: windows.lateStart,
          tangentStart: windows.tangentStart,
          periodReference: Math.max(0, windows.periodReference),
          hasPeriodReference: windows.periodReference >= 0 ? 1 : 0,
          convergenceWindow: settings.convergenceWindow,
          periodTolerance: settings.periodTolerance,
          convergenceTolerance: settings.convergenceTolerance,
          divergenceBound: settings.divergenceBound,
          chaosThreshold: settings.chaosThreshold,
          opaqueZero: 0,
          infinityBits: 0x7f800000,
          tangentStartP: TANGENT_START[0],
          tangentStartQ: TANGENT_START[1],
        });
        const chunkStarted = performance.now();
        const encoder = device.createCommandEncoder({ label: 'advance chunk' });
        const pass = encoder.beginComputePass();
        if (chunks === 0) {
          // The first chunk expands the uploaded starts into states. WebGPU orders
          // the dispatches of a pass, so advance reads the states written here.
          pass.setPipeline(pipelines.initialize);
          pass.setBindGroup(0, initializeGroup);
          pass.dispatchWorkgroups(grid.x, grid.y);
        }
        pass.setPipeline(pipelines.advance);
        pass.setBindGroup(0, advanceGroup);
        pass.dispatchWorkgroups(grid.x, grid.y);
        pass.end();
        device.queue.submit([encoder.finish()]);
        if (chunks === 0) {
          whileFirstChunkRuns();
        }
        await unlessLost(context, device.queue.onSubmittedWorkDone());
        chunks += 1;

        const chunkWork = trajectoryCount * (last - next + 1);
        const seconds = Math.max(1e-4, (performance.now() - chunkStarted) / 1000);
        this.throughput[precision] = chunkWork / seconds;
        if (options.chunkSteps === undefined) {
          chunkSteps = this.initialChunkSteps(trajectoryCount, precision, options);
        }
        next = last + 1;
        progress.done = progressAtStart + trajectoryCount * next;
        options.onProgress?.({ ...progress });
      }

      // Classify every trajectory and combine each pixel's samples.
      const reduceGrid = dispatchGrid(pixelCount, maxPerDimension);
      reduceParams.write({
        pixelCount,
        samples: work.samples,
        rowStride: reduceGrid.rowStride,
        totalSteps: steps,
        convergenceWindow: settings.convergenceWindow,
        chaosThreshold: settings.chaosThreshold,
        minLyapunovSteps: MIN_LYAPUNOV_STEPS,
        nanBits: 0x7fc00000,
        infinityBits: 0x7f800000,
      });
      const reduceGroup = device.createBindGroup({
        layout: pipelines.reduceLayout,
        entries: [
          { binding: 0, resource: { buffer: root.unwrap(reduceParams) } },
          { binding: 1, resource: states },
          { binding: 2, resource: { buffer: resultBuffer, offset: resultOffset, size: pixelCount * RESULT_BYTES } },
        ],
      });
      const byteLength = pixelCount * RESULT_BYTES;
      const staging = pools.staging.acquire(byteLength);
      const encoder = device.createCommandEncoder({ label: 'reduce tile' });
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipelines.reduce);
      pass.setBindGroup(0, reduceGroup);
      pass.dispatchWorkgroups(reduceGrid.x, reduceGrid.y);
      pass.end();
      encoder.copyBufferToBuffer(resultBuffer, resultOffset, staging, 0, byteLength);
      device.queue.submit([encoder.finish()]);
      await unlessLost(context, staging.mapAsync(GPUMapMode.READ, 0, byteLength));
      // Read straight from the mapped range: a copy of it would cost 64 bytes per pixel more.
      try {
        scatterLayers(new Float32Array(staging.getMappedRange(0, byteLength)), firstPixel, pixelCount, layers);
      } finally {
        staging.unmap();
        pools.staging.release(staging);
      }
      return chunks;
    } finally {
      pools.states.release(stateBuffer);
      pools.starts.release(startBuffer);
      if (tileResults !== undefined) {
        pools.results.release(tileResults);
      }
      stepParams.destroy();
      reduceParams.destroy();
    }
  }

  /** Steps per chunk so that one chunk takes about the target time at the measured throughput. */
  private initialChunkSteps(trajectoryCount: number, precision: GpuPrecision, options: RenderOptions): number {
    const targetSeconds = (options.targetChunkMilliseconds ?? DEFAULT_CHUNK_MILLISECONDS) / 1000;
    return Math.max(1, Math.floor((this.throughput[precision] * targetSeconds) / trajectoryCount));
  }
}

/** Returns pixels [first, first + count) of the layers in the pixel-major GPU layout. */
function gatherLayers(layers: ViewLayers, first: number, count: number): Float32Array {
  const data = new Float32Array(count * LAYER_COUNT);
  for (let k = 0; k < LAYER_COUNT; k++) {
    const layer = layers[LAYER_NAMES[k]!];
    for (let p = 0; p < count; p++) {
      data[p * LAYER_COUNT + k] = layer[first + p]!;
    }
  }
  return data;
}

/**
 * Writes every layer once, so that the operating system maps their pages while the
 * first chunk runs on the device rather than in the read-back copy after it. A
 * 1024² view's layers take 64 MiB, and on the 2-core test machine first touching
 * them cost about 0.1 s, most of the read-back copy's time.
 */
function touchLayers(layers: ViewLayers): void {
  for (const name of LAYER_NAMES) {
    layers[name].fill(0);
  }
}

/** Pixels per block of {@link scatterLayers}: 256 KiB of results, which stay in cache while each layer reads them. */
const SCATTER_BLOCK_PIXELS = 4096;

/**
 * Copies pixel-major tile results into the per-layer arrays of the view. It works in
 * blocks of pixels, because one pass per layer over the whole tile streams every
 * result from memory 16 times: for 800,000 pixels, blocks took 27–31 ms in Node 20
 * and whole-tile passes 48–82 ms.
 */
function scatterLayers(data: Float32Array, firstPixel: number, pixelCount: number, layers: ViewLayers): void {
  const targets = LAYER_NAMES.map((name) => layers[name]);
  for (let start = 0; start < pixelCount; start += SCATTER_BLOCK_PIXELS) {
    const end = Math.min(pixelCount, start + SCATTER_BLOCK_PIXELS);
    for (let k = 0; k < LAYER_COUNT; k++) {
      const layer = targets[k]!;
      for (let p = start; p < end; p++) {
        layer[firstPixel + p] = data[p * LAYER_COUNT + k]!;
      }
    }
  }
}

