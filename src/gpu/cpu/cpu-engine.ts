/**
 * CPU fallback engine, used when no WebGPU adapter exists. It computes the same
 * layers as the GPU engine, in float64, by splitting the view into row blocks and
 * running renderRows on a pool of workers: worker_threads in Node, Web Workers
 * in browsers. When no worker starts, it computes in the calling thread.
 */
import { allocateViewLayers, LAYER_COUNT, LAYER_NAMES, type ViewLayers } from '../../core/layers.ts';
import { createLogger } from '../../core/logger.ts';
import type { View } from '../../core/view.ts';
import type { CpuWorkerResult } from './cpu-worker.ts';
import { renderRows } from './render-rows.ts';
import {
  MIN_TASKS_PER_WORKER,
  resolveWorkerCount,
  runTasksOnWorkers,
  throwIfAborted,
  WORKER_TASK_STEPS,
  yieldToEventLoop,
  type WorkerTask,
} from './worker-pool.ts';

const logger = createLogger('cpu');

/** Options of {@link renderViewOnCpu} and of accumulateDiagramOnCpu in cpu-diagram.ts. */
export interface CpuRenderOptions {
  /** Aborting it stops the render, terminates its workers and rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called after each finished block or batch with the trajectory-steps done so far and the render's total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Number of workers. Defaults to the number of logical cores
   * (os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers).
   * 0 computes in the calling thread.
   */
  workers?: number;
}

/**
 * Trajectory-steps per block in the calling thread, which yields to the event
 * loop after each block: 25–40 ms of work at the per-core rates given at
 * WORKER_TASK_STEPS, so a page stays responsive.
 */
const IN_THREAD_BLOCK_STEPS = 1e6;

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
  const workerCount = await resolveWorkerCount(options.workers);

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
      Math.max(1, Math.floor(WORKER_TASK_STEPS / stepsPerRow)),
      Math.ceil(view.rows / (workerCount * MIN_TASKS_PER_WORKER)),
    );
    const tasks = splitRows(0, view.rows, rowsPerBlock).map((block) => rowTask(view, block));
    const outcome = await runTasksOnWorkers(tasks, Math.min(workerCount, tasks.length), signal, (task, result) =>
      storeBlock(task.block, rowPixels(task, result)),
    );
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

/** A row block as a worker task. */
interface RowTask extends WorkerTask {
  block: RowBlock;
}

function rowTask(view: View, block: RowBlock): RowTask {
  const { firstRow, rowCount } = block;
  return { request: { kind: 'rows', view, firstRow, rowCount }, label: `rows ${firstRow}–${firstRow + rowCount - 1}`, block };
}

/** Returns the pixels of a worker's reply to `task`, after checking that they are the rows it requested. */
function rowPixels(task: RowTask, result: CpuWorkerResult): Float32Array {
  if (result.kind !== 'rows' || result.firstRow !== task.block.firstRow || result.rowCount !== task.block.rowCount) {
    throw new Error(`CPU worker returned a result that does not match the request for ${task.label}.`);
  }
  return result.pixels;
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
