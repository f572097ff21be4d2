/**
 * Web Worker entry of the trajectory inspector: computes the inspector's data for
 * one experiment off the page's thread. A run of 10⁶ steps takes about half a
 * second, which would otherwise freeze the page.
 *
 * Protocol: the page posts an Experiment; the worker posts `{ data }` with the
 * InspectorData, or `{ error }` with the error's message.
 */
import type { Experiment } from '../core/experiment.ts';
import { computeInspectorData, type InspectorData } from './inspector-data.ts';

/** Reply of the worker. */
export type InspectorWorkerReply = { data: InspectorData } | { error: string };

self.addEventListener('message', (event: MessageEvent<Experiment>) => {
  let reply: InspectorWorkerReply;
  try {
    reply = { data: computeInspectorData(event.data) };
  } catch (error) {
    reply = { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  self.postMessage(reply);
});
