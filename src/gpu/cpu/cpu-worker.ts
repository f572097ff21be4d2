/**
 * Worker entry of the CPU engine, for Node worker_threads and browser Web Workers.
 *
 * Protocol: the worker posts `{ kind: 'ready' }` once its modules have loaded.
 * For each request the worker computes one row block with renderRows and posts
 * a `rows` reply, transferring its Float32Array buffer, or an `error` reply.
 */
import type { View } from '../../core/view.ts';
import { LAYER_COUNT } from '../../core/layers.ts';
import { renderRows } from './render-rows.ts';

/** Request for one row block of a view. */
export interface CpuBlockRequest {
  view: View;
  firstRow: number;
  rowCount: number;
}

/** Message from a CPU worker to the engine. */
export type CpuWorkerReply =
  | { kind: 'ready' }
  | { kind: 'rows'; firstRow: number; rowCount: number; pixels: Float32Array }
  | { kind: 'error'; firstRow: number; rowCount: number; message: string };

/** Computes one block and returns the reply with the buffers to transfer. */
function handleRequest(request: CpuBlockRequest): { reply: CpuWorkerReply; transfer: ArrayBuffer[] } {
  const { view, firstRow, rowCount } = request;
  try {
    const pixels = new Float32Array(rowCount * view.columns * LAYER_COUNT);
    renderRows(view, firstRow, rowCount, pixels);
    return { reply: { kind: 'rows', firstRow, rowCount, pixels }, transfer: [pixels.buffer] };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { reply: { kind: 'error', firstRow, rowCount, message }, transfer: [] };
  }
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

if (isNode) {
  void listenOnParentPort();
} else {
  self.onmessage = (event: MessageEvent<CpuBlockRequest>) => {
    const { reply, transfer } = handleRequest(event.data);
    self.postMessage(reply, { transfer });
  };
  self.postMessage({ kind: 'ready' } satisfies CpuWorkerReply);
}

/**
 * Serves requests from the parent thread in Node. The module has no top-level
 * await, because Vite 8 bundles workers as iife by default, and that format cannot contain it.
 */
async function listenOnParentPort(): Promise<void> {
  // A variable specifier keeps Vite from resolving a Node built-in for the browser bundle.
  const workerThreadsModule = 'node:worker_threads';
  const { parentPort } = (await import(/* @vite-ignore */ workerThreadsModule)) as typeof import('node:worker_threads');
  if (parentPort === null) {
    throw new Error('cpu-worker.ts was loaded outside a worker thread. Start it through renderViewOnCpu in cpu-engine.ts.');
  }
  const port = parentPort;
  port.on('message', (request: CpuBlockRequest) => {
    const { reply, transfer } = handleRequest(request);
    port.postMessage(reply, transfer);
  });
  port.postMessage({ kind: 'ready' } satisfies CpuWorkerReply);
}
