/**
 * `eos-atlas render`: renders one view, or one view per value of a --sweep.
 * The engine is WebGPU (a GPU, or a CPU Vulkan driver such as lavapipe) or the
 * float64 CPU fallback. The outputs are a PNG coloured as the page colours it,
 * a NumPy array of all layers with a JSON sidecar, and a CSV.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';
import { colorizeLayer } from '../core/colormaps.ts';
import type { ExperimentInput } from '../core/experiment.ts';
import { ValidationError } from '../core/errors.ts';
import { LAYER_NAMES } from '../core/layers.ts';
import { encodePng, PNG_VERSION_KEY, PNG_VIEW_KEY } from '../core/png.ts';
import { DEFAULT_APP_STATE, encodeAppState, type AppState } from '../core/url-state.ts';
import { AXIS_PARAMETERS, createView, type Axis, type View } from '../core/view.ts';
import { describeViewExport, encodeViewNpy, formatSidecarJson, formatViewCsv } from '../core/view-export.ts';
import type { Engine, ViewResult } from '../gpu/engine.ts';
import type { RequestedPrecision } from '../core/precision.ts';
import { colorizeOptionsFor } from '../core/colorize-options.ts';
import { formatOptionHelp, parseNumber, parseOptions, UsageError, type OptionSpec, INITIALIZATION_OPTIONS } from './options.ts';
import { checkOutputFolder, checkWritablePath, prepareOutputFolder, writeFilesAtomically, type OutputFile } from './output-files.ts';
import { applyViewOptions, loadStartingState, planSweep, SWEEP_PARAMETERS, type OptionValues } from './render-state.ts';

/** Largest PNG that --scale may produce, in pixels: 8192 × 8192, 256 MiB of RGBA. */
export const MAX_PNG_PIXELS = 8192 * 8192;

/** Largest --scale factor. */
const MAX_SCALE = 64;

/** File formats of --formats, by file extension. */
const FORMATS = ['png', 'npy', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Seconds before a render starts reporting progress, so short renders stay quiet. */
const PROGRESS_DELAY_MS = 1000;

/** The page's default view, whose values the help shows as defaults. */
const DEFAULT_VIEW = DEFAULT_APP_STATE.view;
const DEFAULT_EXPERIMENT = DEFAULT_VIEW.experiment as Required<Omit<ExperimentInput, 'sigmaW'>>;

/** Options of the render command; `eos-atlas diagram` shares those of the experiment and the axes. */
export const RENDER_OPTIONS: OptionSpec[] = [
  { name: 'url', type: 'string', valueName: 'URL', description: 'start from the view of a page address or its query string (?v=1&n=…)' },
  { name: 'json', type: 'string', valueName: 'FILE', description: 'start from a page state saved as JSON {view, layer, colormap, history, future, debug}, or from the sidecar of --npy' },
  { name: 'png', type: 'string', valueName: 'FILE', description: `start from the view stored in a PNG that eos-atlas exported (text "${PNG_VIEW_KEY}")` },
  { name: 'width', type: 'string', valueName: 'N', description: 'width n of the hidden layer', defaultText: String(DEFAULT_EXPERIMENT.width) },
  { name: 'parameterization', type: 'string', valueName: 'S', description: 'NTP (s = 0), muP (s = 1) or any s in [0, 1]', defaultText: `${DEFAULT_EXPERIMENT.parameterization} (muP)` },
  { name: 'input-norm', type: 'string', valueName: 'X', description: 'input norm |x|', defaultText: String(DEFAULT_EXPERIMENT.inputNorm) },
  { name: 'target', type: 'string', valueName: 'Y', description: 'target y', defaultText: String(DEFAULT_EXPERIMENT.target) },
  { name: 'sigma-w', type: 'string', valueName: 'SIGMA', description: 'σ_w, sets σ_U = σ_v: weights start with variance σ²/n^s' },
  { name: 'sigma-u', type: 'string', valueName: 'SIGMA', description: 'σ_U of the first layer U', defaultText: String(DEFAULT_EXPERIMENT.sigmaU) },
  { name: 'sigma-v', type: 'string', valueName: 'SIGMA', description: 'σ_v of the second layer v', defaultText: String(DEFAULT_EXPERIMENT.sigmaV) },
  { name: 'eta', type: 'string', valueName: 'ETA', description: 'learning rate η, used when no axis is eta, etaRatio or c', defaultText: String(DEFAULT_EXPERIMENT.learningRate) },
  { name: 'steps', type: 'string', valueName: 'T', description: 'gradient-descent steps per trajectory', defaultText: String(DEFAULT_EXPERIMENT.steps) },
  ...INITIALIZATION_OPTIONS,
  {
    name: 'x',
    type: 'string',
    valueName: 'P,MIN,MAX[,SCALE]',
    description: `horizontal axis: parameter (${AXIS_PARAMETERS.join(', ')}), range in the parameter's unit, and scale linear or log (linear when left out)`,
    defaultText: axisText(DEFAULT_VIEW.x),
  },
  { name: 'y', type: 'string', valueName: 'P,MIN,MAX[,SCALE]', description: 'vertical axis, as --x; a parameter other than x\'s', defaultText: axisText(DEFAULT_VIEW.y) },
  { name: 'res', type: 'string', valueName: 'COLSxROWS', description: 'pixels across and down', defaultText: `${DEFAULT_VIEW.columns}x${DEFAULT_VIEW.rows}` },
  { name: 'samples', type: 'string', valueName: 'N', description: 'trajectories per pixel; above 1 only with --init sampled', defaultText: '1' },
  { name: 'layer', type: 'string', valueName: 'NAME', description: `layer that --out colours: ${LAYER_NAMES.join(', ')}`, defaultText: DEFAULT_APP_STATE.layer },
  {
    name: 'cmap',
    type: 'string',
    valueName: 'NAME',
    description: 'colour map: blueYellow, heat, grey, blueRed, or phase and period on their own layers',
    defaultText: "the layer's own map",
  },
  {
    name: 'cscale',
    type: 'string',
    valueName: 'SCALE',
    description: 'colour scale of continuous maps: linear, log or symmetric',
    defaultText: "linear, or the layer's suggested scale after --layer changes the layer",
  },
  { name: 'cmin', type: 'string', valueName: 'V', description: "layer value at the low end of the map, in the layer's unit, or auto", defaultText: 'auto: the lowest finite value' },
  { name: 'cmax', type: 'string', valueName: 'V', description: "layer value at the high end of the map, in the layer's unit, or auto", defaultText: 'auto: the highest finite value' },
  {
    name: 'engine',
    type: 'string',
    valueName: 'KIND',
    description: 'auto (WebGPU where an adapter exists, else the CPU), webgpu (WebGPU, or fail) or cpu (float64 only)',
    defaultText: 'auto',
  },
  {
    name: 'precision',
    type: 'string',
    valueName: 'P',
    description:
      'arithmetic of the map state: auto (the cheapest of float32, df64 and float64 that resolves the view), ' +
      'float32 (WebGPU kernels, 24-bit significand), df64 (WebGPU kernels, each value a pair of float32, about 44 bits) ' +
      'or float64 (the CPU engine, also where WebGPU exists)',
    defaultText: 'auto',
  },
  { name: 'out', type: 'string', valueName: 'FILE.png', description: 'write the layer as a PNG coloured like the page, with the view as metadata' },
  { name: 'scale', type: 'string', valueName: 'K', description: `PNG pixels per view pixel across and down, an integer in [1, ${MAX_SCALE}]`, defaultText: '1' },
  { name: 'npy', type: 'string', valueName: 'FILE.npy', description: 'write all 16 layers as a float32 array [layer, row, column] and a JSON sidecar FILE.json' },
  { name: 'csv', type: 'string', valueName: 'FILE.csv', description: 'write one line per pixel: column, row, x and y values and all 16 layers' },
  { name: 'out-dir', type: 'string', valueName: 'DIR', description: 'write NAME.png (and the other --formats) into DIR, created if missing; needed by --sweep' },
  { name: 'name', type: 'string', valueName: 'NAME', description: 'file name stem in --out-dir', defaultText: 'render' },
  { name: 'formats', type: 'string', valueName: 'LIST', description: 'files per view in --out-dir: png, npy (with .json), csv, joined by commas', defaultText: 'png' },
  {
    name: 'sweep',
    type: 'string',
    valueName: 'P=V1,V2,…',
    description: `render one view per value of an experiment parameter that no axis sets (${SWEEP_PARAMETERS.join(', ')}) into --out-dir as NAME-P-V.png`,
  },
  { name: 'quiet', type: 'boolean', description: 'print no progress' },
  { name: 'help', type: 'boolean', description: 'print this help' },
];

/** Help text of the render command. */
export const RENDER_HELP = `Usage: eos-atlas render [options]

Renders a phase diagram: every pixel of a view runs gradient descent on the UV
model and is classified into 16 layers (phase, period, sharpness, …). The view
starts from the page's default, or from --url, --json or --png. Options given
with it replace the loaded values.

The engine is WebGPU where Dawn finds an adapter (a GPU, or lavapipe, Mesa's
CPU Vulkan driver), else the float64 CPU engine. A line on stderr names it.
Each view renders in the cheapest precision that resolves its pixels: float32,
then df64 on WebGPU, then float64 on the CPU (--precision names one instead).
A view that no available precision resolves is rejected before any render, and
stderr names the precision of each view rendered.

The PNG is coloured exactly as the page colours the layer, one pixel per view
pixel (or K × K with --scale K), and stores the view in its text chunk
"${PNG_VIEW_KEY}", so --png FILE renders it again.

Options:
${formatOptionHelp(RENDER_OPTIONS)}

Examples:
  eos-atlas render --res 512x512 --steps 2000 --out phase.png
  eos-atlas render --png phase.png --layer lyapunovExponent --out lyapunov.png --npy lyapunov.npy
  eos-atlas render --x etaRatio,0.5,2 --y width,1,1024,log --sweep parameterization=0,0.5,1 --out-dir sweep
  eos-atlas render --x etaRatio,1.3022833,1.3022835 --res 256x64 --out deep.png

Exit status: 0 on success, 2 on invalid input or an unwritable output, 1 on an
internal error, 130 when interrupted. A failed or interrupted view leaves no
file of its own. The finished views of a sweep stay.
`;

function axisText(axis: Axis): string {
  return `${axis.parameter},${axis.min},${axis.max},${axis.scale}`;
}

/** Files to write for one view. */
interface RenderJob {
  /** Label of a sweep's view in progress and error messages, for example `width=64`. */
  label?: string;
  state: AppState;
  /** The --out-dir folder of the files, created before the first write. */
  folder?: string;
  png?: string;
  npy?: string;
  sidecar?: string;
  csv?: string;
}

/** Runs the command and returns its exit code. */
export async function runRenderCommand(argv: string[], output: (text: string) => void): Promise<number> {
  const values = parseOptions(argv, RENDER_OPTIONS);
  if (values.help) {
    output(RENDER_HELP);
    return 0;
  }
  const scale = parseScale(values.scale);
  const start = await loadStartingState(values);
  const state = applyViewOptions(start, values);
  if (state.diagram !== undefined) {
    process.stderr.write('note: the view opens a bifurcation diagram, which render does not draw; eos-atlas diagram renders it from the same link or file.\n');
  }
  const jobs = await planJobs(values, state);
  await checkOutputs(jobs, start.inputPaths, scale);
  const version = await readPackageVersion();

  const { engine, summary } = await startEngine(state.debug.engine);
  process.stderr.write(`${summary}\n`);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    await checkPrecisions(engine, jobs);
    for (const job of jobs) {
      const view = createView(job.state.view);
      const render = { precision: job.state.debug.precision, signal: controller.signal, keepResults: false };
      const result = await renderJob(engine, view, job.label ?? 'render', render, values.quiet === true);
      try {
        const files = await buildOutputFiles(job, view, result, scale, version);
        if (job.folder !== undefined) {
          await prepareOutputFolder('--out-dir', job.folder);
        }
        await writeFilesAtomically(files);
        for (const file of files) {
          output(`wrote ${file.path}\n`);
        }
      } finally {
        result.results?.destroy();
      }
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') {
      process.stderr.write('eos-atlas render: interrupted. The view in progress was not written.\n');
      return 130;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    engine.dispose();
  }
  return 0;
}

function parseScale(raw: string | boolean | undefined): number {
  const scale = parseNumber('scale', raw) ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > MAX_SCALE) {
    throw new ValidationError('--scale', raw, `an integer in [1, ${MAX_SCALE}]`);
  }
  return scale;
}

/** Decides the views to render and the files of each, from the output options. */
async function planJobs(values: OptionValues, state: AppState): Promise<RenderJob[]> {
  const single = (['out', 'npy', 'csv'] as const).filter((option) => typeof values[option] === 'string');
  const folder = typeof values['out-dir'] === 'string' ? values['out-dir'] : undefined;
  const name = typeof values.name === 'string' ? values.name : 'render';
  if (typeof values.name === 'string' && (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name))) {
    throw new ValidationError('--name', name, 'a file name stem without / or \\, for example render');
  }
  for (const option of ['name', 'formats'] as const) {
    if (values[option] !== undefined && folder === undefined) {
      throw new UsageError(`--${option} applies to --out-dir, which is missing. Give --out-dir DIR, or name files with --out, --npy and --csv.`);
    }
  }
  if (folder !== undefined && single.length > 0) {
    throw new UsageError(`--out-dir cannot be combined with --${single[0]}. Use --out-dir with --formats, or --out, --npy and --csv alone.`);
  }

  if (typeof values.sweep === 'string') {
    if (folder === undefined) {
      throw new UsageError('--sweep needs --out-dir DIR for its files.');
    }
    const formats = parseFormats(values.formats);
    const plan = planSweep(values.sweep, state, name);
    await checkOutputFolder('--out-dir', folder);
    return plan.entries.map((entry) => folderJob(`${plan.parameter}=${entry.valueText}`, entry.state, folder, entry.stem, formats));
  }
  if (folder !== undefined) {
    const formats = parseFormats(values.formats);
    await checkOutputFolder('--out-dir', folder);
    return [folderJob(undefined, state, folder, name, formats)];
  }
  if (single.length === 0) {
    throw new UsageError('Nothing to write. Give --out FILE.png, --npy FILE.npy, --csv FILE.csv or --out-dir DIR (run with --help for the options).');
  }
  const job: RenderJob = { state };
  // Each output's format is fixed, so a file name promising another format is an error.
  for (const [option, extension] of [
    ['out', '.png'],
    ['npy', '.npy'],
    ['csv', '.csv'],
  ] as const) {
    const path = values[option];
    if (typeof path === 'string' && !path.toLowerCase().endsWith(extension)) {
      throw new ValidationError(`--${option}`, path, `a file name ending in ${extension}, the format that --${option} writes`);
    }
  }
  if (typeof values.out === 'string') {
    job.png = values.out;
  }
  if (typeof values.npy === 'string') {
    job.npy = values.npy;
    job.sidecar = sidecarPath(values.npy);
  }
  if (typeof values.csv === 'string') {
    job.csv = values.csv;
  }
  return [job];
}

function parseFormats(raw: string | boolean | undefined): Format[] {
  if (typeof raw !== 'string') {
    return ['png'];
  }
  const formats = raw.split(',').map((format) => format.trim());
  const unknown = formats.find((format) => !(FORMATS as readonly string[]).includes(format));
  if (formats.length === 0 || unknown !== undefined || new Set(formats).size !== formats.length) {
    throw new ValidationError('--formats', raw, `one or more of ${FORMATS.join(', ')}, each once, joined by commas`);
  }
  return formats as Format[];
}

function folderJob(label: string | undefined, state: AppState, folder: string, stem: string, formats: readonly Format[]): RenderJob {
  const job: RenderJob = label === undefined ? { state, folder } : { label, state, folder };
  if (formats.includes('png')) {
    job.png = join(folder, `${stem}.png`);
  }
  if (formats.includes('npy')) {
    job.npy = join(folder, `${stem}.npy`);
    job.sidecar = sidecarPath(job.npy);
  }
  if (formats.includes('csv')) {
    job.csv = join(folder, `${stem}.csv`);
  }
  return job;
}

/** Returns the sidecar of an array file: `view.npy` → `view.json`. */
export function sidecarPath(npyPath: string): string {
  return `${npyPath.replace(/\.npy$/i, '')}.json`;
}

/**
 * Checks before rendering that every output path is distinct, replaces no
 * input file, and can be written, and that each PNG stays within
 * {@link MAX_PNG_PIXELS}.
 */
async function checkOutputs(jobs: readonly RenderJob[], inputPaths: readonly string[], scale: number): Promise<void> {
  const claimed = new Map<string, string>(inputPaths.map((path) => [resolve(path), 'an input file']));
  for (const job of jobs) {
    for (const [option, path] of jobOutputs(job)) {
      const absolute = resolve(path);
      const owner = claimed.get(absolute);
      if (owner !== undefined) {
        throw new ValidationError(option, path, `a path other than ${owner}, which is the same file`);
      }
      claimed.set(absolute, `the file of ${option}`);
      // checkOutputFolder has checked a folder that does not exist yet.
      if (job.folder === undefined || existsSync(job.folder)) {
        await checkWritablePath(option, path);
      }
    }
    if (job.png !== undefined) {
      const view = job.state.view;
      const pixels = view.columns * scale * view.rows * scale;
      if (pixels > MAX_PNG_PIXELS) {
        throw new ValidationError(
          '--scale',
          scale,
          `a factor that keeps the PNG within ${MAX_PNG_PIXELS} pixels (8192 × 8192), but ${view.columns * scale} × ${view.rows * scale} has ${pixels}. Lower --scale or --res`,
        );
      }
    }
  }
}

/** Lists a job's output paths with the option that names each. */
function jobOutputs(job: RenderJob): Array<[string, string]> {
  const outputs: Array<[string, string | undefined]> = [
    ['--out', job.png],
    ['--npy', job.npy],
    ['--npy (sidecar)', job.sidecar],
    ['--csv', job.csv],
  ];
  return outputs.filter((entry): entry is [string, string] => entry[1] !== undefined);
}

export async function readPackageVersion(): Promise<string> {
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * Creates the engine that `choice` selects and a line that names it: the
 * adapter, with a note when it is a CPU Vulkan driver, or the CPU fallback
 * with its reason.
 */
export async function startEngine(choice: AppState['debug']['engine']): Promise<{ engine: Engine; summary: string }> {
  // Loaded here, not at the top, so the other commands never load Dawn or the kernels.
  const { createEngine } = await import('../gpu/engine.ts');
  let adapterInfo: GPUAdapterInfo | undefined;
  const engine = await createEngine({
    forceCpu: choice === 'cpu',
    adapterSource: async () => {
      const { requestNodeAdapter } = await import('../gpu/node-webgpu.ts');
      const { adapter } = await requestNodeAdapter();
      adapterInfo = adapter.info;
      return adapter;
    },
  });
  if (choice === 'webgpu' && engine.kind !== 'webgpu') {
    engine.dispose();
    throw new ValidationError('--engine', 'webgpu', `an engine that exists here, but WebGPU is missing: ${engine.description}. Use --engine auto or cpu`);
  }
  if (engine.kind === 'cpu') {
    return { engine, summary: `engine: ${engine.description}` };
  }
  const description = engine.description;
  let note = '';
  if (/llvmpipe|lavapipe/i.test(description)) {
    note = " (lavapipe, Mesa's CPU Vulkan driver, not a GPU)";
  } else if (/swiftshader/i.test(description)) {
    note = ' (SwiftShader, a CPU Vulkan driver, not a GPU)';
  } else if (adapterInfo?.isFallbackAdapter) {
    note = ' (a software fallback adapter, not a GPU)';
  }
  return { engine, summary: `engine: WebGPU on ${description}${note}` };
}

/**
 * Rejects, before any render, a view that the requested precision, or with auto every
 * precision of the engine, cannot resolve: the engine's PrecisionError becomes a
 * ValidationError of --precision, so the command exits with 2.
 */
async function checkPrecisions(engine: Engine, jobs: readonly RenderJob[]): Promise<void> {
  const { PrecisionError, resolveRenderPrecision } = await import('../gpu/engine.ts');
  for (const job of jobs) {
    const requested = job.state.debug.precision;
    const prefix = job.label === undefined ? '' : `${job.label}: `;
    try {
      resolveRenderPrecision(createView(job.state.view), requested, engine.precisions);
    } catch (error) {
      if (error instanceof PrecisionError) {
        const rejected = new ValidationError('--precision', requested, 'a precision that resolves the view');
        const hint = requested === 'auto' ? ' Widen the --x and --y ranges, or lower --res.' : ' --precision auto picks the cheapest precision that resolves the view.';
        rejected.message = `${prefix}${error.message}${hint}`;
        throw rejected;
      }
      if (error instanceof ValidationError) {
        const rejected = new ValidationError('--precision', requested, `auto or float64, because the ${engine.description} has only float64`);
        rejected.message = `${prefix}${rejected.message}`;
        throw rejected;
      }
      throw error;
    }
  }
}

async function renderJob(
  engine: Engine,
  view: View,
  label: string,
  options: { precision: RequestedPrecision; signal: AbortSignal; keepResults: boolean },
  quiet: boolean,
): Promise<ViewResult> {
  const { describeComputation } = await import('../gpu/engine.ts');
  const progress = quiet ? undefined : createProgressReporter(label);
  try {
    const result = await engine.render(view, { ...options, onProgress: progress?.update });
    progress?.finish();
    const seconds = (result.elapsedMilliseconds / 1000).toFixed(2);
    const trajectories = `${view.samples} ${view.samples === 1 ? 'trajectory' : 'trajectories'} per pixel`;
    process.stderr.write(
      `${label}: ${view.columns} × ${view.rows} pixels, ${trajectories}, ${view.experiment.steps} steps, ${describeComputation(result)}, in ${seconds} s\n`,
    );
    return result;
  } catch (error) {
    progress?.finish();
    throw error;
  }
}

/**
 * Reports progress on stderr once a render has run for {@link PROGRESS_DELAY_MS}:
 * a line per 10 % on a pipe or file, or one line rewritten in place on a terminal.
 */
export function createProgressReporter(label: string): { update: (progress: { done: number; total: number }) => void; finish: () => void } {
  const started = performance.now();
  const terminal = process.stderr.isTTY === true;
  let lastDecile = 0;
  let lastDraw = 0;
  let drawn = false;
  return {
    update: ({ done, total }) => {
      const now = performance.now();
      if (now - started < PROGRESS_DELAY_MS || total <= 0) {
        return;
      }
      const fraction = Math.min(1, done / total);
      const text = `${label}: ${(100 * fraction).toFixed(0)}% of ${total.toExponential(2).replace('e+', 'e')} trajectory-steps, ${((now - started) / 1000).toFixed(1)} s`;
      if (terminal) {
        if (now - lastDraw >= 100 || fraction === 1) {
          process.stderr.write(`\r${text}\u001b[K`);
          lastDraw = now;
          drawn = true;
        }
        return;
      }
      const decile = Math.floor(10 * fraction);
      if (decile > lastDecile) {
        process.stderr.write(`${text}\n`);
        lastDecile = decile;
      }
    },
    finish: () => {
      if (drawn) {
        process.stderr.write('\n');
        drawn = false;
      }
    },
  };
}

/** Builds the files of one rendered view. */
async function buildOutputFiles(job: RenderJob, view: View, result: ViewResult, scale: number, version: string): Promise<OutputFile[]> {
  const query = encodeAppState(job.state);
  const files: OutputFile[] = [];
  if (job.png !== undefined) {
    const values = result.layers[job.state.layer];
    const rgba = upscale(colorizeLayer(values, colorizeOptionsFor(job.state, values)), view.columns, view.rows, scale);
    const texts = { [PNG_VIEW_KEY]: query, [PNG_VERSION_KEY]: version, Software: `eos-atlas ${version}` };
    const png = await encodePng(rgba, view.columns * scale, view.rows * scale, texts, (data) => deflateSync(data));
    files.push({ option: '--out', path: job.png, content: png });
  }
  if (job.npy !== undefined && job.sidecar !== undefined) {
    const engineInfo = { kind: result.engine, description: result.description, arithmetic: result.arithmetic, precision: result.precision };
    const sidecar = describeViewExport(view, query, basename(job.npy), engineInfo, version);
    files.push({ option: '--npy', path: job.npy, content: encodeViewNpy(result.layers, view) });
    files.push({ option: '--npy (sidecar)', path: job.sidecar, content: formatSidecarJson(sidecar) });
  }
  if (job.csv !== undefined) {
    files.push({ option: '--csv', path: job.csv, content: formatViewCsv(view, result.layers) });
  }
  return files;
}

/** Repeats each pixel `scale` times across and down. */
function upscale(rgba: Uint8ClampedArray, width: number, height: number, scale: number): Uint8ClampedArray {
  if (scale === 1) {
    return rgba;
  }
  const source = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  const scaledWidth = width * scale;
  const out = new Uint32Array(scaledWidth * height * scale);
  for (let y = 0; y < height; y++) {
    const row = new Uint32Array(scaledWidth);
    for (let x = 0; x < width; x++) {
      row.fill(source[y * width + x]!, x * scale, (x + 1) * scale);
    }
    for (let k = 0; k < scale; k++) {
      out.set(row, (y * scale + k) * scaledWidth);
    }
  }
  return new Uint8ClampedArray(out.buffer);
}
