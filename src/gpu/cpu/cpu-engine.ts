/**
 * CPU fallback engine, used when no WebGPU adapter exists. It computes the same
 * layers as the GPU engine, in float64, by splitting the view into row blocks and
 * running renderRows on a pool of workers: worker_threads in Node, Web Workers
 * in browsers. When no worker starts, it computes in the calling thread.
 */
import { allocateViewLayers, LAYER_COUNT, LAYER_NAMES, type ViewLayers } from '../../core/layers.ts';
import { createLogger } from '../../core/logger.ts';
import type { View } from '../../core/view.ts';
import type { CpuBlockRequest, CpuWorkerReply } from './cpu-worker.ts';
import { renderRows } from './render-rows.ts';

const logger = createLogger('cpu');

/** Options of {@link renderViewOnCpu}. */
export interface CpuRenderOptions {
  /** Aborting it stops the render, terminates its workers and rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called after each finished block with the trajectory-steps done so far and the view's total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Number of workers. Defaults to the number of logical cores
   * (os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers).
   * 0 computes in the calling thread.
   */
  workers?: number;
}

/**
 * Trajectory-steps per block on a worker: 0.25–0.4 s of work at the 2.5e7–4.3e7
 * steps/s per core that renderViewOnCpu reached on 256 × 256 × 1000 views (AMD EPYC,
 * Node 20). Progress is reported at that granularity. An abort terminates the workers at once.
 */
const WORKER_BLOCK_STEPS = 1e7;

/**
 * Trajectory-steps per block in the calling thread, which yields to the event
 * loop after each block: 25–40 ms of work at the rates above, so a page stays responsive.
 */
const IN_THREAD_BLOCK_STEPS = 1e6;

/**
 * Minimum blocks per worker. Rows differ in cost (diverging trajectories stop
 * early), and small blocks let the workers finish close together.
 */
const MIN_BLOCKS_PER_WORKER = 8;

/** A band of rows computed as one unit. */
interface RowBlock {
  firstRow: number;
  rowCount: number;
}

/**
 * Renders every layer of `view` on the CPU.
 *
 * Rejects with a DOMException named 'AbortError' when `options.signal` aborts,
 * after its workers have been terminated. When no worker can start, the render
 * continues in the calling thread and logs a 'fallback' warning with the start error.
 */
export async function renderViewOnCpu(view: View, options: CpuRenderOptions = {}): Promise<ViewLayers> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const workerCount = options.workers ?? (await defaultWorkerCount());
  if (!Number.isInteger(workerCount) || workerCount < 0) {
    throw new RangeError(`Invalid workers: ${workerCount}. Expected an integer ≥ 0 (0 computes in the calling thread).`);
  }

  const layers = allocateViewLayers(view.columns * view.rows);
  // States 0 … steps of every trajectory, as the GPU engine counts them.
  const stepsPerRow = view.columns * view.samples * (view.experiment.steps + 1);
  const total = stepsPerRow * view.rows;
  let done = 0;
  const storeBlock = (block: RowBlock, pixels: Float32Array): void => {
    scatterBlock(view, block, pixels, layers);
    done += block.rowCount * stepsPerRow;
    onProgress?.(done, total);
  };

  if (workerCount > 0) {
    const rowsPerBlock = Math.min(
      Math.max(1, Math.floor(WORKER_BLOCK_STEPS / stepsPerRow)),
      Math.ceil(view.rows / (workerCount * MIN_BLOCKS_PER_WORKER)),
    );
    const blocks = splitRows(0, view.rows, rowsPerBlock);
    const outcome = await runBlocksOnWorkers(view, blocks, Math.min(workerCount, blocks.length), signal, storeBlock);
    if (outcome.started) {
      return layers;
    }
    // NOTE: no automated test reaches this branch, because the tests cannot make every worker fail to start.
    logger.warn(
      'fallback',
      `no CPU worker could start (${outcome.startError}). Computing the view in the calling thread, which uses one core.`,
    );
  }

  const rowsPerBlock = Math.max(1, Math.floor(IN_THREAD_BLOCK_STEPS / stepsPerRow));
  for (const block of splitRows(0, view.rows, rowsPerBlock)) {
    throwIfAborted(signal);
    const pixels = new Float32Array(block.rowCount * view.columns * LAYER_COUNT);
    renderRows(view, block.firstRow, block.rowCount, pixels);
    storeBlock(block, pixels);
    await yieldToEventLoop();
  }
  return layers;
}

/** Splits rows [firstRow, endRow) into blocks of `rowsPerBlock` rows (the last may be shorter). */
function splitRows(firstRow: number, endRow: number, rowsPerBlock: number): RowBlock[] {
  const blocks: RowBlock[] = [];
  for (let row = firstRow; row < endRow; row += rowsPerBlock) {
    blocks.push({ firstRow: row, rowCount: Math.min(rowsPerBlock, endRow - row) });
  }
  return blocks;
}

/** Copies a pixel-major block into the per-layer, row-major arrays of the whole view. */
function scatterBlock(view: View, block: RowBlock, pixels: Float32Array, layers: ViewLayers): void {
  const firstPixel = block.firstRow * view.columns;
  const pixelCount = block.rowCount * view.columns;
  for (let layer = 0; layer < LAYER_COUNT; layer++) {
    const target = layers[LAYER_NAMES[layer]!];
    for (let pixel = 0; pixel < pixelCount; pixel++) {
      target[firstPixel + pixel] = pixels[pixel * LAYER_COUNT + layer]!;
    }
  }
}

/** Result of a worker run: whether any worker started, and the first start error when none did. */
interface WorkerRunOutcome {
  started: boolean;
  startError: string | undefined;
}

/** One worker of the pool and what it is doing. */
interface PoolSlot {
  /** Settles when the worker has been created (not yet loaded) or could not be. */
  start: Promise<CpuWorkerHandle> | undefined;
  worker: CpuWorkerHandle | undefined;
  ready: boolean;
  failed: boolean;
  block: RowBlock | undefined;
}

/**
 * Runs `blocks` on `workerCount` workers, handing the next block to whichever
 * worker finishes first. Resolves with started = false, having computed nothing,
 * when every worker failed to start. A worker that fails after it started, or a
 * block that throws, rejects the run. Every worker is terminated before the
 * promise settles.
 */
function runBlocksOnWorkers(
  view: View,
  blocks: RowBlock[],
  workerCount: number,
  signal: AbortSignal | undefined,
  storeBlock: (block: RowBlock, pixels: Float32Array) => void,
): Promise<WorkerRunOutcome> {
  return new Promise<WorkerRunOutcome>((resolve, reject) => {
    const queue = [...blocks];
    const slots: PoolSlot[] = [];
    let blocksLeft = blocks.length;
    let startError: string | undefined;
    let settled = false;

    const settle = (outcome: { value: WorkerRunOutcome } | { error: unknown }): void => {
      if (settled) {
        return;
      }
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Workers still being created are terminated as soon as they exist.
      const terminations = slots.map((slot) => slot.start?.then((worker) => worker.terminate()));
      void Promise.allSettled(terminations).then(() => {
        if ('value' in outcome) {
          resolve(outcome.value);
        } else {
          reject(outcome.error);
        }
      });
    };
    const onAbort = (): void => settle({ error: abortError() });

    const dispatch = (slot: PoolSlot): void => {
      const block = queue.shift();
      slot.block = block;
      if (block === undefined) {
        return;
      }
      const request: CpuBlockRequest = { view, firstRow: block.firstRow, rowCount: block.rowCount };
      // A worker can only send 'ready' after startCpuWorker has resolved, so slot.worker is set here.
      slot.worker!.post(request);
    };

    const onStartFailure = (slot: PoolSlot, error: unknown): void => {
      slot.failed = true;
      startError ??= error instanceof Error ? error.message : String(error);
      if (slots.every((other) => other.failed)) {
        settle({ value: { started: false, startError } });
      }
    };

    const onReply = (slot: PoolSlot, reply: CpuWorkerReply): void => {
      if (settled) {
        return;
      }
      switch (reply.kind) {
        case 'ready':
          slot.ready = true;
          dispatch(slot);
          return;
        case 'error':
          settle({ error: new Error(`CPU worker failed on rows ${reply.firstRow}–${reply.firstRow + reply.rowCount - 1}: ${reply.message}`) });
          return;
        case 'rows': {
          const block = slot.block;
          if (block === undefined || block.firstRow !== reply.firstRow || block.rowCount !== reply.rowCount) {
            settle({ error: new Error(`CPU worker returned rows from ${reply.firstRow}, which it was not asked for.`) });
            return;
          }
          try {
            storeBlock(block, reply.pixels);
          } catch (error) {
            settle({ error });
            return;
          }
          blocksLeft -= 1;
          if (blocksLeft === 0) {
            settle({ value: { started: true, startError: undefined } });
          } else {
            dispatch(slot);
          }
        }
      }
    };

    const onWorkerFailure = (slot: PoolSlot, error: Error): void => {
      if (settled || slot.failed) {
        return;
      }
      if (!slot.ready) {
        onStartFailure(slot, error);
        return;
      }
      slot.failed = true;
      settle({ error: new Error(`CPU worker stopped unexpectedly: ${error.message}`, { cause: error }) });
    };

    if (signal !== undefined) {
      signal.addEventListener('abort', onAbort, { once: true });
    }
    for (let index = 0; index < workerCount; index++) {
      const slot: PoolSlot = { start: undefined, worker: undefined, ready: false, failed: false, block: undefined };
      slots.push(slot);
      slot.start = startCpuWorker({
        onReply: (reply) => onReply(slot, reply),
        onFailure: (error) => onWorkerFailure(slot, error),
      });
      slot.start.then(
        (worker) => {
          slot.worker = worker;
        },
        (error: unknown) => {
          if (!settled) {
            onStartFailure(slot, error);
          }
        },
      );
    }
  });
}

/** A started worker, in either runtime. */
interface CpuWorkerHandle {
  post(request: CpuBlockRequest): void;
  /** Stops the worker. The promise resolves once its thread has exited. */
  terminate(): Promise<void>;
}

/** Callbacks of one worker. */
interface CpuWorkerListeners {
  onReply(reply: CpuWorkerReply): void;
  /** A load error, an uncaught error or an exit that the engine did not request. */
  onFailure(error: Error): void;
}

/** Starts one worker in the current runtime. Rejects when the runtime cannot create one. */
function startCpuWorker(listeners: CpuWorkerListeners): Promise<CpuWorkerHandle> {
  return isNode() ? startNodeWorker(listeners) : startBrowserWorker(listeners);
}

/**
 * Starts a Web Worker. Vite recognizes this `new Worker(new URL(...))` form and
 * bundles cpu-worker.ts with its imports.
 */
async function startBrowserWorker(listeners: CpuWorkerListeners): Promise<CpuWorkerHandle> {
  const worker = new Worker(new URL('./cpu-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<CpuWorkerReply>) => listeners.onReply(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    listeners.onFailure(new Error(event.message || 'the CPU worker script failed to load'));
  };
  worker.onmessageerror = () => listeners.onFailure(new Error('a message from the CPU worker could not be deserialized'));
  return {
    post: (request) => worker.postMessage(request),
    terminate: async () => worker.terminate(),
  };
}

/** File name of the worker entry, next to this module. A variable, so that Vite does not copy the file as an asset. */
const WORKER_ENTRY = './cpu-worker.ts';

/**
 * Starts a worker_threads worker. Node cannot load a .ts entry by itself, and
 * `--import tsx` in a worker's execArgv does not apply to the worker's entry
 * module (checked on Node 20.20). So the worker runs a short script that
 * registers tsx's loader hooks and then imports cpu-worker.ts. tsx is resolved
 * from this module's location, which makes the start independent of the working directory.
 */
async function startNodeWorker(listeners: CpuWorkerListeners): Promise<CpuWorkerHandle> {
  const workerThreadsModule = 'node:worker_threads';
  const { Worker: NodeWorker } = (await import(/* @vite-ignore */ workerThreadsModule)) as typeof import('node:worker_threads');
  const entryUrl = new URL(WORKER_ENTRY, import.meta.url).href;
  const tsxApiUrl = import.meta.resolve('tsx/esm/api');
  const bootstrap =
    `import(${JSON.stringify(tsxApiUrl)})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entryUrl)}); });`;

  const worker = new NodeWorker(bootstrap, { eval: true });
  let terminating = false;
  worker.on('message', (reply: CpuWorkerReply) => listeners.onReply(reply));
  worker.on('error', (error: Error) => listeners.onFailure(error));
  worker.on('messageerror', (error: Error) => listeners.onFailure(error));
  worker.on('exit', (code: number) => {
    if (!terminating) {
      listeners.onFailure(new Error(`the CPU worker exited with code ${code}`));
    }
  });
  return {
    post: (request) => worker.postMessage(request),
    terminate: async () => {
      terminating = true;
      await worker.terminate();
    },
  };
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/** Returns the number of logical cores, or 1 when the runtime does not report it. */
async function defaultWorkerCount(): Promise<number> {
  if (isNode()) {
    const osModule = 'node:os';
    const os = (await import(/* @vite-ignore */ osModule)) as typeof import('node:os');
    return os.availableParallelism();
  }
  return typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
}

function abortError(): DOMException {
  return new DOMException('The CPU render was aborted.', 'AbortError');
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw abortError();
  }
}

/** Lets pending events (input, an abort, a repaint) run before the next block. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
