/**
 * Worker pool of the CPU engines: runs a list of tasks on worker_threads in Node or
 * Web Workers in browsers, each task one request of cpu-worker.ts, and hands each
 * result to the caller as it arrives. The phase map (cpu-engine.ts) sends row blocks
 * and the bifurcation diagram (cpu-diagram.ts) sends column batches.
 */
import type { CpuWorkerReply, CpuWorkerRequest, CpuWorkerResult } from './cpu-worker.ts';

/**
 * Trajectory-steps per task on a worker: 0.25–0.4 s of work at the 2.5e7–4.3e7
 * steps/s per core that renderViewOnCpu reached on 256 × 256 × 1000 views (AMD EPYC,
 * Node 20). Progress is reported at that granularity. An abort terminates the workers at once.
 */
export const WORKER_TASK_STEPS = 1e7;

/**
 * Minimum tasks per worker. Rows and columns differ in cost (diverging trajectories
 * stop early), and small tasks let the workers finish close together.
 */
export const MIN_TASKS_PER_WORKER = 8;

/** One unit of work for the pool. */
export interface WorkerTask {
  request: CpuWorkerRequest;
  /** Description of the task in error messages, such as "rows 0–3". */
  label: string;
}

/** Result of a worker run: whether any worker started, and the first start error when none did. */
export interface WorkerRunOutcome {
  started: boolean;
  startError: string | undefined;
}

/** One worker of the pool and what it is doing. */
interface PoolSlot<Task> {
  /** Settles when the worker has been created (not yet loaded) or could not be. */
  start: Promise<CpuWorkerHandle> | undefined;
  worker: CpuWorkerHandle | undefined;
  ready: boolean;
  failed: boolean;
  task: Task | undefined;
}

/**
 * Validates the `workers` option of the CPU engines and returns it, or the number
 * of logical cores when it is undefined.
 *
 * @throws RangeError when `workers` is not an integer ≥ 0.
 */
export async function resolveWorkerCount(workers: number | undefined): Promise<number> {
  const workerCount = workers ?? (await defaultWorkerCount());
  if (!Number.isInteger(workerCount) || workerCount < 0) {
    throw new RangeError(`Invalid workers: ${workerCount}. Expected an integer ≥ 0 (0 computes in the calling thread).`);
  }
  return workerCount;
}

/**
 * Runs `tasks` on `workerCount` workers, handing the next task to whichever
 * worker finishes first, and passes each result to `storeResult`. Resolves with
 * started = false, having computed nothing, when every worker failed to start.
 * A worker that fails after it started, a task that throws, a reply of the wrong
 * kind or a `storeResult` that throws rejects the run. An abort of `signal` rejects
 * it with an AbortError. Every worker is terminated before the promise settles.
 */
export function runTasksOnWorkers<Task extends WorkerTask>(
  tasks: Task[],
  workerCount: number,
  signal: AbortSignal | undefined,
  storeResult: (task: Task, result: CpuWorkerResult) => void,
): Promise<WorkerRunOutcome> {
  return new Promise<WorkerRunOutcome>((resolve, reject) => {
    const queue = [...tasks];
    const slots: Array<PoolSlot<Task>> = [];
    let tasksLeft = tasks.length;
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

    const dispatch = (slot: PoolSlot<Task>): void => {
      const task = queue.shift();
      slot.task = task;
      if (task === undefined) {
        return;
      }
      // A worker can only send 'ready' after startCpuWorker has resolved, so slot.worker is set here.
      slot.worker!.post(task.request);
    };

    const onStartFailure = (slot: PoolSlot<Task>, error: unknown): void => {
      slot.failed = true;
      startError ??= error instanceof Error ? error.message : String(error);
      if (slots.every((other) => other.failed)) {
        settle({ value: { started: false, startError } });
      }
    };

    const onReply = (slot: PoolSlot<Task>, reply: CpuWorkerReply): void => {
      if (settled) {
        return;
      }
      if (reply.kind === 'ready') {
        slot.ready = true;
        dispatch(slot);
        return;
      }
      const task = slot.task;
      if (task === undefined) {
        settle({ error: new Error(`CPU worker sent a '${reply.kind}' reply without a pending request.`) });
        return;
      }
      if (reply.kind === 'error') {
        settle({ error: new Error(`CPU worker failed on ${task.label}: ${reply.message}`) });
        return;
      }
      if (reply.kind !== task.request.kind) {
        settle({ error: new Error(`CPU worker sent a '${reply.kind}' reply to a '${task.request.kind}' request for ${task.label}.`) });
        return;
      }
      try {
        storeResult(task, reply);
      } catch (error) {
        settle({ error });
        return;
      }
      tasksLeft -= 1;
      if (tasksLeft === 0) {
        settle({ value: { started: true, startError: undefined } });
      } else {
        dispatch(slot);
      }
    };

    const onWorkerFailure = (slot: PoolSlot<Task>, error: Error): void => {
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
      const slot: PoolSlot<Task> = { start: undefined, worker: undefined, ready: false, failed: false, task: undefined };
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
  post(request: CpuWorkerRequest): void;
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

export function abortError(): DOMException {
  return new DOMException('The CPU render was aborted.', 'AbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw abortError();
  }
}

/** Lets pending events (input, an abort, a repaint) run before the next block. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
