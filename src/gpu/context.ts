/**
 * A WebGPU device with the adapter's real limits, its TypeGPU root and
 * device-loss tracking. The same code serves the browser and Node: the caller
 * supplies how to get an adapter.
 */
import tgpu, { type TgpuRoot } from 'typegpu';
import { createLogger } from '../core/logger.ts';
import { paced } from './wait-pacing.ts';

const log = createLogger('gpu');

/** Returns an adapter, or null when none exists (like `navigator.gpu.requestAdapter()`). */
export type AdapterSource = () => Promise<GPUAdapter | null>;

/** Raised when the device is lost while work is in flight. */
export class DeviceLostError extends Error {
  constructor(readonly reason: string) {
    super(`The WebGPU device was lost: ${reason}`);
    this.name = 'DeviceLostError';
  }
}

/** Raised when no WebGPU adapter is available. */
export class NoAdapterError extends Error {
  constructor(detail: string) {
    super(`No WebGPU adapter is available: ${detail}`);
    this.name = 'NoAdapterError';
  }
}

/** Limits that the engine requests at the adapter's maximum, so tiles can be as large as the hardware allows. */
const REQUESTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** A live device and everything derived from it. */
export interface GpuContext {
  adapter: GPUAdapter;
  device: GPUDevice;
  root: TgpuRoot;
  /** Adapter description for messages, e.g. `llvmpipe: Mesa 25.0.7 …` or a GPU's name. */
  adapterName: string;
  /** Whether the adapter is a software fallback (lavapipe, SwiftShader). */
  isFallbackAdapter: boolean;
  /** Set once the device is lost: the reason. */
  lostReason: string | undefined;
  /** Resolves when the device is lost. */
  lost: Promise<string>;
  /** Rejecters of the waits in flight, called when the device is lost (see unlessLost). */
  pendingWaits: Set<(error: Error) => void>;
}

/** Returns `navigator.gpu.requestAdapter()` in a browser, or throws NoAdapterError when WebGPU is missing. */
export const browserAdapterSource: AdapterSource = async () => {
  if (typeof navigator === 'undefined' || navigator.gpu === undefined) {
    throw new NoAdapterError('this browser has no navigator.gpu (WebGPU is disabled or unsupported)');
  }
  return navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
};

/** Requests an adapter and a device with the adapter's full compute limits. */
export async function createGpuContext(source: AdapterSource): Promise<GpuContext> {
  let adapter: GPUAdapter | null;
  try {
    adapter = await source();
  } catch (error) {
    // A source that throws (no Vulkan driver in Node, WebGPU disabled) means no adapter.
    throw new NoAdapterError((error as Error).message);
  }
  if (adapter === null) {
    throw new NoAdapterError('requestAdapter() returned null');
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) {
    requiredLimits[name] = adapter.limits[name];
  }
  const device = await adapter.requestDevice({ requiredLimits, label: 'eos-atlas' });
  const info = adapter.info;
  const adapterName = info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unnamed adapter';

  const context: GpuContext = {
    adapter,
    device,
    root: tgpu.initFromDevice({ device }),
    adapterName,
    isFallbackAdapter: info.isFallbackAdapter ?? false,
    lostReason: undefined,
    pendingWaits: new Set(),
    lost: device.lost.then((lost) => {
      const reason = `${lost.reason}: ${lost.message || 'no message'}`;
      context.lostReason = reason;
      for (const reject of context.pendingWaits) {
        reject(new DeviceLostError(reason));
      }
      context.pendingWaits.clear();
      if (lost.reason !== 'destroyed') {
        log.warn('device', `device lost (${reason})`);
      }
      return reason;
    }),
  };
  device.addEventListener('uncapturederror', (event) => {
    log.warn('device', `uncaptured WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  log.info(`using adapter ${adapterName}`);
  return context;
}

/**
 * Awaits `promise` unless the device is lost first, in which case it throws a
 * DeviceLostError. A lost device may never settle pending work, so every wait
 * on the GPU goes through here.
 */
export async function unlessLost<T>(context: GpuContext, promise: Promise<T>): Promise<T> {
  if (context.lostReason !== undefined) {
    throw new DeviceLostError(context.lostReason);
  }
  // Each wait registers a rejecter and removes it when done, so nothing accumulates on
  // the device's long-lived `lost` promise.
  return new Promise<T>((resolve, reject) => {
    context.pendingWaits.add(reject);
    paced(promise).then(
      (value) => {
        context.pendingWaits.delete(reject);
        resolve(value);
      },
      (error: unknown) => {
        context.pendingWaits.delete(reject);
        reject(error);
      },
    );
  });
}
