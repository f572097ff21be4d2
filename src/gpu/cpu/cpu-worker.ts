/**
 * Worker entry of the CPU engines, for Node worker_threads and browser Web Workers.
 *
 * Protocol: the worker posts `{ kind: 'ready' }` once its modules have loaded.
 * For each request it posts a reply of the same kind, transferring its typed
 * arrays' buffers, or an `error` reply. A `rows` request computes one row
 * block of a phase map with renderRows. A `diagramColumns` request computes the
 * counts of a batch of bifurcation-diagram columns with accumulateDiagramColumns.
 */
import type { BifurcationDiagram } from '../../core/bifurcation-diagram.ts';
import type { View } from '../../core/view.ts';
import { LAYER_COUNT } from '../../core/layers.ts';
import { accumulateDiagramColumns, type DiagramColumns } from './diagram-columns.ts';
import { renderRows } from './render-rows.ts';

/** Request for one row block of a view. */
export interface CpuBlockRequest {
  kind: 'rows';
  view: View;
  firstRow: number;
  rowCount: number;
}

/** Request for the counts of diagram columns firstColumn … firstColumn + columnCount − 1. */
export interface CpuDiagramColumnsRequest {
  kind: 'diagramColumns';
  diagram: BifurcationDiagram;
  firstColumn: number;
  columnCount: number;
}

/** Message from the engine to a CPU worker. */
export type CpuWorkerRequest = CpuBlockRequest | CpuDiagramColumnsRequest;

/** Reply that carries the result of a request. */
export type CpuWorkerResult =
  | { kind: 'rows'; firstRow: number; rowCount: number; pixels: Float32Array }
  | ({ kind: 'diagramColumns' } & DiagramColumns);

/** Message from a CPU worker to the engine. */
export type CpuWorkerReply = { kind: 'ready' } | CpuWorkerResult | { kind: 'error'; message: string };

/** Computes one request and returns the reply with the buffers to transfer. */
function handleRequest(request: CpuWorkerRequest): { reply: CpuWorkerReply; transfer: ArrayBuffer[] } {
  try {
    switch (request.kind) {
      case 'rows': {
        const { view, firstRow, rowCount } = request;
        const pixels = new Float32Array(rowCount * view.columns * LAYER_COUNT);
        renderRows(view, firstRow, rowCount, pixels);
        return { reply: { kind: 'rows', firstRow, rowCount, pixels }, transfer: [pixels.buffer] };
      }
      case 'diagramColumns': {
        const columns = accumulateDiagramColumns(request.diagram, request.firstColumn, request.columnCount);
        return {
          reply: { kind: 'diagramColumns', ...columns },
          transfer: [columns.counts.buffer, columns.diverged.buffer, columns.invalid.buffer],
        };
      }
      default:
        throw new Error(`Unknown CPU worker request kind: ${JSON.stringify((request as { kind: unknown }).kind)}.`);
    }
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return { reply: { kind: 'error', message }, transfer: [] };
  }
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

if (isNode) {
  void listenOnParentPort();
} else {
  self.onmessage = (event: MessageEvent<CpuWorkerRequest>) => {
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
    throw new Error('cpu-worker.ts was loaded outside a worker thread. Start it through runTasksOnWorkers in worker-pool.ts.');
  }
  const port = parentPort;
  port.on('message', (request: CpuWorkerRequest) => {
    const { reply, transfer } = handleRequest(request);
    port.postMessage(reply, transfer);
  });
  port.postMessage({ kind: 'ready' } satisfies CpuWorkerReply);
}
