/**
 * Float64 CPU path of the bifurcation diagram. It splits the diagram's columns into
 * batches, which a pool of workers accumulates with accumulateDiagramColumns, and adds
 * each batch's counts into one density at the batch's columns. When no worker starts,
 * it accumulates in the calling thread. Counts are integers, so both ways give the
 * same density as one accumulateDiagram call over every column.
 */
import { accumulateDiagram, emptyDensity, type BifurcationDiagram, type DiagramDensity } from '../../core/bifurcation-diagram.ts';
import { createLogger } from '../../core/logger.ts';
import type { CpuRenderOptions } from './cpu-engine.ts';
import type { CpuWorkerResult } from './cpu-worker.ts';
import { addDiagramColumns, type DiagramColumns } from './diagram-columns.ts';
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

/** Trajectory-steps per batch in the calling thread, which yields to the event loop after each batch: about 50 ms of work. */
const IN_THREAD_BATCH_STEPS = 2e6;

/** Counts of a diagram and the number of column batches they were computed in. */
export interface CpuDiagramResult {
  density: DiagramDensity;
  batches: number;
}

/** A batch of diagram columns as a worker task. */
interface ColumnTask extends WorkerTask {
  firstColumn: number;
  columnCount: number;
}

/**
 * Computes the counts of `diagram` on the CPU in float64. `onProgress` receives the
 * trajectory-steps done (columns × samples × (transient + recorded) for the finished
 * batches) and the diagram's total.
 *
 * Rejects with a DOMException named 'AbortError' when `options.signal` aborts,
 * after its workers have been terminated. When no worker can start, the render
 * continues in the calling thread and logs a 'fallback' warning with the start error.
 */
export async function accumulateDiagramOnCpu(diagram: BifurcationDiagram, options: CpuRenderOptions = {}): Promise<CpuDiagramResult> {
  const { signal, onProgress } = options;
  throwIfAborted(signal);
  const workerCount = await resolveWorkerCount(options.workers);

  const density = emptyDensity(diagram);
  const stepsPerColumn = diagram.samples * (diagram.transient + diagram.recorded);
  const total = stepsPerColumn * diagram.columns;
  let done = 0;
  let batches = 0;
  const countBatch = (columnCount: number): void => {
    batches += 1;
    done += columnCount * stepsPerColumn;
    onProgress?.(done, total);
  };

  if (workerCount > 0) {
    const columnsPerBatch = Math.min(
      Math.max(1, Math.floor(WORKER_TASK_STEPS / stepsPerColumn)),
      Math.ceil(diagram.columns / (workerCount * MIN_TASKS_PER_WORKER)),
    );
    const tasks = splitColumns(diagram.columns, columnsPerBatch).map(({ firstColumn, columnCount }) => columnTask(diagram, firstColumn, columnCount));
    const outcome = await runTasksOnWorkers(tasks, Math.min(workerCount, tasks.length), signal, (task, result) => {
      addDiagramColumns(density, batchColumns(task, result));
      countBatch(task.columnCount);
    });
    if (outcome.started) {
      return { density, batches };
    }
    // NOTE: no automated test reaches this branch, because the tests cannot make every worker fail to start.
    logger.warn(
      'fallback',
      `no CPU worker could start (${outcome.startError}). Computing the diagram in the calling thread, which uses one core.`,
    );
  }

  const columnsPerBatch = Math.max(1, Math.floor(IN_THREAD_BATCH_STEPS / stepsPerColumn));
  for (const { firstColumn, columnCount } of splitColumns(diagram.columns, columnsPerBatch)) {
    throwIfAborted(signal);
    accumulateDiagram(diagram, firstColumn, columnCount, density);
    countBatch(columnCount);
    await yieldToEventLoop();
  }
  return { density, batches };
}

function columnTask(diagram: BifurcationDiagram, firstColumn: number, columnCount: number): ColumnTask {
  return {
    request: { kind: 'diagramColumns', diagram, firstColumn, columnCount },
    label: `diagram columns ${firstColumn}–${firstColumn + columnCount - 1}`,
    firstColumn,
    columnCount,
  };
}

/** Returns the counts of a worker's reply to `task`, after checking that they are the columns it requested. */
function batchColumns(task: ColumnTask, result: CpuWorkerResult): DiagramColumns {
  if (result.kind !== 'diagramColumns' || result.firstColumn !== task.firstColumn || result.columnCount !== task.columnCount) {
    throw new Error(`CPU worker returned a result that does not match the request for ${task.label}.`);
  }
  return result;
}

/** Splits columns [0, columns) into batches of `columnsPerBatch` (the last may be narrower). */
function splitColumns(columns: number, columnsPerBatch: number): Array<{ firstColumn: number; columnCount: number }> {
  const batches: Array<{ firstColumn: number; columnCount: number }> = [];
  for (let column = 0; column < columns; column += columnsPerBatch) {
    batches.push({ firstColumn: column, columnCount: Math.min(columnsPerBatch, columns - column) });
  }
  return batches;
}
