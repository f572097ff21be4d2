/**
 * Pacing of dawn.node's event polling while the host waits for GPU work.
 *
 * dawn.node (the `webgpu` package) delivers the callbacks of `onSubmittedWorkDone`
 * and `mapAsync` by processing Dawn's events from a `setImmediate` loop for as long
 * as one of them is pending. A wait for a long chunk therefore keeps the main
 * thread busy. On a CPU driver such as lavapipe that thread competes with the
 * driver's worker threads for the same cores: on a 2-core machine the main thread
 * used 1.2 s of CPU per 1.5 s render of a 1024² view.
 *
 * With pacing on, a second `setImmediate` loop runs while any wait is pending and
 * sleeps {@link PAUSE_MILLISECONDS} per turn of the event loop (`Atomics.wait`, which
 * Node allows on its main thread). Dawn's loop then processes events about once per
 * pause, and a wait ends at most one pause after its work. Browsers deliver these
 * callbacks without polling, so only the Node adapter source turns pacing on.
 */

/** Sleep per turn of the event loop while a paced wait is pending. */
const PAUSE_MILLISECONDS = 1;

let enabled = false;
let pending = 0;
let looping = false;
let sleeper: Int32Array | undefined;

/** Turns pacing on for the rest of the process. Call it only where `Atomics.wait` may block (Node's main thread, workers). */
export function enableWaitPacing(): void {
  enabled = true;
}

/** Returns `promise` unchanged; while it is pending, dawn.node's polling is paced when pacing is on. */
export function paced<T>(promise: Promise<T>): Promise<T> {
  if (!enabled) {
    return promise;
  }
  pending += 1;
  const settle = (): void => {
    pending -= 1;
  };
  promise.then(settle, settle);
  if (!looping) {
    looping = true;
    setImmediate(pause);
  }
  return promise;
}

function pause(): void {
  if (pending === 0) {
    looping = false;
    return;
  }
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  // Times out after the pause: nothing ever notifies this address.
  Atomics.wait(sleeper, 0, 0, PAUSE_MILLISECONDS);
  setImmediate(pause);
}
