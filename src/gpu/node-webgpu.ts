/**
 * WebGPU in Node through Dawn (the `webgpu` npm package).
 *
 * On machines without a GPU, Dawn needs a CPU Vulkan driver. The default here
 * is lavapipe (Mesa 25), unpacked by `bash scripts/setup-lavapipe.sh` into
 * `.cache/lavapipe/`. That script also checks with `ldd -r` that the driver
 * links against system libraries only, so no LD_LIBRARY_PATH is needed (the
 * dynamic loader reads LD_LIBRARY_PATH only at process start, so it could not
 * be set from here anyway).
 *
 * This module is Node-only. It resolves the cache folder from its own location
 * in the source tree, so it must run from `src/gpu/` (as Vitest and tsx do),
 * not from a bundle.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create, globals } from 'webgpu';
import { enableWaitPacing } from './wait-pacing.ts';

/** Absolute path of the Vulkan ICD manifest that scripts/setup-lavapipe.sh writes. */
export const LAVAPIPE_ICD_PATH: string = fileURLToPath(
  new URL('../../.cache/lavapipe/lvp_icd.json', import.meta.url),
);

/** Command that installs the Vulkan loader and unpacks lavapipe. */
export const SETUP_COMMAND = 'bash scripts/setup-lavapipe.sh';

/** Result of {@link requestNodeAdapter}. */
export interface NodeWebGpu {
  /** Dawn's `GPU` object, the Node counterpart of `navigator.gpu`. */
  gpu: GPU;
  /** Adapter returned by `gpu.requestAdapter()`. */
  adapter: GPUAdapter;
  /** Human-readable adapter name: the driver's description, or vendor, architecture and device. */
  adapterName: string;
}

/** Adapter identity and limits, as reported by {@link describeAdapter}. */
export interface AdapterReport {
  /** Adapter vendor, e.g. `mesa`. Empty when the driver does not report it. */
  vendor: string;
  /** Adapter architecture, e.g. `software`. */
  architecture: string;
  /** Vendor-specific device identifier. */
  device: string;
  /** Driver description, e.g. `llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1`. */
  description: string;
  /** True for software adapters such as lavapipe and SwiftShader. */
  isFallbackAdapter: boolean;
  /** Every limit in `adapter.limits`, by WebGPU limit name. */
  limits: Record<string, number>;
}

/** Options for {@link requestNodeAdapter}. */
export interface NodeAdapterOptions {
  /**
   * Dawn flags passed to `create()`, e.g. `['adapter=llvmpipe']` or
   * `['backend=vulkan']`. The `webgpu` package README lists them.
   */
  dawnFlags?: string[];
  /** Options passed to `gpu.requestAdapter()`. */
  adapterOptions?: GPURequestAdapterOptions;
}

// With webgpu 0.6.2, the process crashes (abort or segmentation fault) when a
// `GPU` object returned by create() is garbage-collected while a device made
// from it is still in use. So every instance stays referenced here for the
// life of the process, one per set of Dawn flags.
const gpuInstances = new Map<string, GPU>();

let globalsInstalled = false;

/**
 * Points the Vulkan loader at the lavapipe manifest unless the caller already
 * chose drivers, and returns the manifest path in effect (or undefined when
 * the loader searches the system's driver folders).
 */
function selectVulkanDriver(): string | undefined {
  // `||`, not `??`, so that a variable set to an empty string counts as unset.
  const chosen = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES;
  if (chosen !== undefined && chosen !== '') {
    return chosen;
  }
  // EOS_ATLAS_VULKAN=system keeps the loader's own driver search, for example to use a GPU
  // on a machine that also ran the lavapipe setup.
  if (process.env.EOS_ATLAS_VULKAN === 'system') {
    return undefined;
  }
  if (existsSync(LAVAPIPE_ICD_PATH)) {
    // The loader reads this when Dawn creates its Vulkan instance, which is
    // after this point, so setting it from JavaScript is enough.
    process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD_PATH;
    return LAVAPIPE_ICD_PATH;
  }
  return undefined;
}

function getGpu(dawnFlags: string[]): GPU {
  const key = JSON.stringify(dawnFlags);
  let gpu = gpuInstances.get(key);
  if (gpu === undefined) {
    gpu = create(dawnFlags);
    // dawn.node polls for events on this thread while a wait is pending (wait-pacing.ts).
    enableWaitPacing();
    gpuInstances.set(key, gpu);
  }
  return gpu;
}

/** Returns a readable adapter name: the driver description when present. */
function formatAdapterName(info: GPUAdapterInfo): string {
  if (info.description !== '') {
    return info.description;
  }
  const parts = [info.vendor, info.architecture, info.device].filter((part) => part !== '');
  return parts.length > 0 ? parts.join(' ') : 'unnamed adapter';
}

function formatNoAdapterMessage(manifest: string | undefined): string {
  const setupHint =
    `Run \`${SETUP_COMMAND}\` as root to install the Vulkan loader and the lavapipe CPU driver, then retry.`;
  if (manifest === undefined) {
    return `No WebGPU adapter found: no Vulkan driver manifest is set and ${LAVAPIPE_ICD_PATH} does not exist. ${setupHint}`;
  }
  if (manifest === LAVAPIPE_ICD_PATH) {
    return `No WebGPU adapter found with the lavapipe manifest ${manifest}. ${setupHint}`;
  }
  return (
    `No WebGPU adapter found with the Vulkan driver manifest ${manifest} from VK_DRIVER_FILES or VK_ICD_FILENAMES. ` +
    `Check that path, or unset both variables to use lavapipe. ${setupHint}`
  );
}

/**
 * Requests a WebGPU adapter in Node.
 *
 * When neither VK_ICD_FILENAMES nor VK_DRIVER_FILES is set and
 * `.cache/lavapipe/lvp_icd.json` exists, this sets VK_ICD_FILENAMES to that
 * manifest, so Dawn uses lavapipe and not a GPU's driver. To use another
 * driver, set VK_ICD_FILENAMES before the first call, e.g. to
 * `/usr/lib/chromium/vk_swiftshader_icd.json` for SwiftShader. The variable is
 * read once per process, when Dawn creates its Vulkan instance.
 *
 * It also copies the WebGPU globals of `webgpu` (GPUBufferUsage,
 * GPUShaderStage, ...) onto `globalThis`.
 *
 * @throws Error when no adapter is found. The message names the driver
 *   manifest that was tried and the setup command to run.
 */
export async function requestNodeAdapter(options: NodeAdapterOptions = {}): Promise<NodeWebGpu> {
  const manifest = selectVulkanDriver();

  if (!globalsInstalled) {
    Object.assign(globalThis, globals);
    globalsInstalled = true;
  }

  const gpu = getGpu(options.dawnFlags ?? []);
  const adapter = await gpu.requestAdapter(options.adapterOptions);

  if (adapter === null) {
    throw new Error(formatNoAdapterMessage(manifest));
  }

  return { gpu, adapter, adapterName: formatAdapterName(adapter.info) };
}

/**
 * Collects an adapter's identity and all of its limits into a plain object,
 * for logs and test output.
 */
export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const limits: Record<string, number> = {};

  // The limits are accessor properties on the prototype (in Dawn and in
  // browsers), so Object.keys() would return nothing. for...in walks them.
  for (const name in adapter.limits) {
    const value: unknown = adapter.limits[name as keyof GPUSupportedLimits];
    if (typeof value === 'number') {
      limits[name] = value;
    }
  }

  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: info.isFallbackAdapter,
    limits,
  };
}
