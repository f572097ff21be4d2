/**
 * `eos-atlas diagram`: renders a bifurcation diagram, the page's diagram panel,
 * to a PNG (tone-mapped like the page, with the page state as metadata) and to
 * the raw counts as a NumPy uint32 array with a JSON sidecar.
 */
import { basename } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  DIAGRAM_QUANTITIES,
  DIAGRAM_QUANTITY_LABELS,
  defaultDiagramRange,
  type BifurcationDiagram,
  type DiagramQuantity,
  type DiagramRange,
} from '../core/bifurcation-diagram.ts';
import { COLORMAPS } from '../core/colormaps.ts';
import { lostColumns, maxCount, TONE_MAPPINGS, toneMapDensity, type ToneMapping } from '../core/density-tone.ts';
import { DEFAULT_DIAGRAM_PANEL, diagramForView, type DiagramPanelState } from '../core/diagram-state.ts';
import { ValidationError } from '../core/errors.ts';
import { encodeNpy } from '../core/npy.ts';
import { encodePng, PNG_VERSION_KEY, PNG_VIEW_KEY } from '../core/png.ts';
import { encodeAppState, normalizeAppState, type AppState } from '../core/url-state.ts';
import { AXIS_LABELS, axisValue, createView, RATE_PARAMETERS } from '../core/view.ts';
import type { DiagramRender } from '../gpu/diagram-engine.ts';
import { formatOptionHelp, parseNumber, parseOptions, type OptionSpec } from './options.ts';
import { checkWritablePath, writeFilesAtomically, type OutputFile } from './output-files.ts';
import { createProgressReporter, readPackageVersion, RENDER_OPTIONS, startEngine } from './render-command.ts';
import { applyViewOptions, loadStartingState, type OptionValues } from './render-state.ts';

/** PNG text key that names the figure, as the page's diagram export writes it. */
const PNG_FIGURE_KEY = 'eos-atlas-figure';

/** Options of `render` that set the experiment, the map's axes, the engine and the precision. */
const SHARED_OPTION_NAMES = new Set([
  'url',
  'json',
  'png',
  'width',
  'parameterization',
  'input-norm',
  'target',
  'sigma-w',
  'sigma-u',
  'sigma-v',
  'init',
  'f0',
  'lambda0',
  'seed',
  'x',
  'y',
  'engine',
  'precision',
]);

const DIAGRAM_OPTIONS: OptionSpec[] = [
  {
    name: 'quantity',
    type: 'string',
    valueName: 'NAME',
    description: `quantity on the vertical axis: ${DIAGRAM_QUANTITIES.map((name) => `${name} (${DIAGRAM_QUANTITY_LABELS[name]})`).join(', ')}`,
    defaultText: DEFAULT_DIAGRAM_PANEL.quantity,
  },
  {
    name: 'range',
    type: 'string',
    valueName: 'MIN,MAX[,SCALE]',
    description: "vertical range in the quantity's unit, scale linear or log",
    defaultText: "0,3,linear for ηλ_H/2 and ηλ/2, -2,2 for Δf, 1e-8,10,log for L; the loaded link's otherwise",
  },
  {
    name: 'row',
    type: 'string',
    valueName: 'V',
    description: "value of the --y parameter at which the diagram is drawn (the page's row under the pointer)",
    defaultText: 'the middle of the --y axis',
  },
  { name: 'cells', type: 'string', valueName: 'COLSxROWS', description: 'learning-rate values across and value bands up', defaultText: `${DEFAULT_DIAGRAM_PANEL.columns}x${DEFAULT_DIAGRAM_PANEL.rows}` },
  { name: 'transient', type: 'string', valueName: 'T', description: 'steps run before recording', defaultText: String(DEFAULT_DIAGRAM_PANEL.transient) },
  { name: 'recorded', type: 'string', valueName: 'T', description: 'steps recorded per trajectory', defaultText: String(DEFAULT_DIAGRAM_PANEL.recorded) },
  { name: 'samples', type: 'string', valueName: 'N', description: 'trajectories per column, at evenly spaced learning rates inside it', defaultText: '1' },
  { name: 'tone', type: 'string', valueName: 'MAPPING', description: `tone mapping of the counts: ${TONE_MAPPINGS.join(' or ')}`, defaultText: DEFAULT_DIAGRAM_PANEL.tone.mapping },
  { name: 'gamma', type: 'string', valueName: 'G', description: 'exponent γ of the gamma tone mapping, level (n/N)^γ', defaultText: String(DEFAULT_DIAGRAM_PANEL.tone.gamma) },
  {
    name: 'cmap',
    type: 'string',
    valueName: 'NAME',
    description: `sequential colour map: ${Object.values(COLORMAPS)
      .filter((info) => info.kind === 'sequential')
      .map((info) => info.name)
      .join(', ')}`,
    defaultText: DEFAULT_DIAGRAM_PANEL.tone.map,
  },
  { name: 'invert', type: 'boolean', description: 'reverse the map: dark ink on a light background' },
  { name: 'out', type: 'string', valueName: 'FILE.png', description: 'write the tone-mapped diagram as a PNG with the page state as metadata' },
  { name: 'npy', type: 'string', valueName: 'FILE.npy', description: 'write the counts as a uint32 array [row, column], row 0 at the top, and a JSON sidecar FILE.json' },
  { name: 'quiet', type: 'boolean', description: 'print no progress' },
  { name: 'help', type: 'boolean', description: 'print this help' },
];

/** The diagram's own wording of shared options whose meaning narrows here. */
const SHARED_OPTION_DESCRIPTIONS: Record<string, string> = {
  x: `horizontal axis: a learning-rate parameter (${RATE_PARAMETERS.join(', ')}), its range, and scale linear or log (linear when left out)`,
  y: "the phase map's vertical axis, a parameter other than x's; the diagram holds it at --row (the axis' middle without --row)",
};

const OPTIONS: OptionSpec[] = [
  ...RENDER_OPTIONS.filter((spec) => SHARED_OPTION_NAMES.has(spec.name)).map((spec) =>
    SHARED_OPTION_DESCRIPTIONS[spec.name] === undefined ? spec : { ...spec, description: SHARED_OPTION_DESCRIPTIONS[spec.name]! },
  ),
  ...DIAGRAM_OPTIONS,
];

/** Help text of the diagram command. */
export const DIAGRAM_HELP = `Usage: eos-atlas diagram [options]

Renders a bifurcation diagram: the experiment of a view swept along its
learning-rate axis (--x must be eta, etaRatio or c), with the --y parameter
held at --row. Each of the --cells columns runs --samples trajectories for
--transient steps, then counts where each of the next --recorded states falls
among the rows of the --quantity's range. This is the page's diagram panel: a
page link (--url) with its diagram keys, or a PNG the page or this command
exported (--png), gives the same diagram.

The engine is WebGPU where Dawn finds an adapter, else the float64 CPU engine.
The diagram renders in the cheapest precision that resolves its columns and
rows (float32, df64, then float64 on the CPU), or the one --precision names.

Options:
${formatOptionHelp(OPTIONS)}

Examples:
  eos-atlas diagram --x etaRatio,0.9,2.05 --y sigmaW,0.1,1 --row 0.5 --out cascade.png
  eos-atlas diagram --x etaRatio,1.28,1.31 --y sigmaW,0.1,1 --row 0.5 --quantity ntkSharpness --range 0,3 --cells 2048x1024 --npy zoom.npy

Exit status: 0 on success, 2 on invalid input or an unwritable output, 1 on an
internal error, 130 when interrupted. An interrupted render writes nothing.
`;

/** Diagram URL keys mapped to the options that set them, for error messages. */
const KEY_OPTIONS: Record<string, string> = {
  bq: '--quantity',
  by: '--range',
  brow: '--row',
  bres: '--cells',
  bsteps: '--transient or --recorded',
  bsamples: '--samples',
  btone: '--tone, --gamma or --cmap',
  xa: '--x',
  ya: '--y',
};

/** Runs the command and returns its exit code. */
export async function runDiagramCommand(argv: string[], output: (text: string) => void): Promise<number> {
  const values = parseOptions(argv, OPTIONS);
  if (values.help) {
    output(DIAGRAM_HELP);
    return 0;
  }
  const state = await diagramState(values);
  const panel = state.diagram!;
  const view = createView(state.view);
  const diagram = diagramWithOptionNames(() => diagramForView(view, panel));
  if (typeof values.out !== 'string' && typeof values.npy !== 'string') {
    throw new ValidationError('--out', undefined, 'at least one output: --out FILE.png or --npy FILE.npy');
  }
  const outputs: Array<[string, string]> = [];
  if (typeof values.out === 'string') {
    outputs.push(['--out', values.out]);
  }
  if (typeof values.npy === 'string') {
    outputs.push(['--npy', values.npy], ['--npy (sidecar)', sidecarPath(values.npy)]);
  }
  for (const [option, path] of outputs) {
    await checkWritablePath(option, path);
  }
  const version = await readPackageVersion();

  const { engine, summary } = await startEngine(state.debug.engine);
  process.stderr.write(`${summary}\n`);
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  const { DiagramPrecisionError, renderDiagram } = await import('../gpu/diagram-engine.ts');
  const progress = values.quiet === true ? undefined : createProgressReporter('diagram');
  try {
    const render = await diagramWithOptionNames(() =>
      renderDiagram(engine, diagram, { precision: state.debug.precision, signal: controller.signal, onProgress: progress?.update }),
    );
    progress?.finish();
    process.stderr.write(describeRender(diagram, render));
    const files = await buildFiles(state, diagram, render, values, version);
    await writeFilesAtomically(files);
    for (const file of files) {
      output(`wrote ${file.path}\n`);
    }
  } catch (error) {
    progress?.finish();
    if (error instanceof Error && error.name === 'AbortError') {
      process.stderr.write('eos-atlas diagram: interrupted. Nothing was written.\n');
      return 130;
    }
    if (error instanceof DiagramPrecisionError) {
      process.stderr.write(`eos-atlas diagram: ${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    engine.dispose();
  }
  return 0;
}

/** Builds the page state of the diagram from the loaded view and the options. */
async function diagramState(values: OptionValues): Promise<AppState> {
  if (typeof values.x === 'string') {
    const parameter = values.x.split(',')[0]!.trim();
    if (!(RATE_PARAMETERS as readonly string[]).includes(parameter)) {
      throw new ValidationError(
        '--x',
        values.x,
        `a learning-rate parameter (${RATE_PARAMETERS.join(', ')}) with its range, for example etaRatio,0.9,2.05: the diagram runs across learning rates and holds --y at --row`,
      );
    }
  }
  const start = await loadStartingState(values);
  // Only the shared options go to applyViewOptions; --samples and --cmap mean other things here.
  const viewValues: OptionValues = Object.fromEntries(Object.entries(values).filter(([name]) => SHARED_OPTION_NAMES.has(name)));
  const state = applyViewOptions(start, viewValues);

  const base: DiagramPanelState = structuredClone(start.state.diagram ?? DEFAULT_DIAGRAM_PANEL);
  const panel: DiagramPanelState = { ...base, tone: { ...base.tone } };
  if (typeof values.x === 'string') {
    // --x sets the range, so a zoom stored in the loaded link no longer applies.
    delete panel.x;
  }
  if (typeof values.quantity === 'string') {
    panel.quantity = values.quantity as DiagramQuantity;
    if (DIAGRAM_QUANTITIES.includes(panel.quantity) && typeof values.range !== 'string') {
      panel.y = defaultDiagramRange(panel.quantity);
    }
  }
  if (typeof values.range === 'string') {
    panel.y = parseRange(values.range);
  }
  const row = parseNumber('row', values.row);
  if (row !== undefined) {
    panel.row = row;
  } else if (typeof values.y === 'string') {
    delete panel.row;
  }
  if (typeof values.cells === 'string') {
    const parts = values.cells.split('x');
    if (parts.length !== 2) {
      throw new ValidationError('--cells', values.cells, 'COLSxROWS, two integers ≥ 1 joined by x, for example 1024x512');
    }
    panel.columns = parseNumber('cells', parts[0]) ?? Number.NaN;
    panel.rows = parseNumber('cells', parts[1]) ?? Number.NaN;
    for (const [count, what] of [
      [panel.columns, 'columns'],
      [panel.rows, 'rows'],
    ] as const) {
      if (!Number.isInteger(count) || count < 1) {
        throw new ValidationError('--cells', values.cells, `COLSxROWS with integers ≥ 1 (the ${what} are ${count}), for example 1024x512`);
      }
    }
  }
  panel.transient = parseNumber('transient', values.transient) ?? panel.transient;
  panel.recorded = parseNumber('recorded', values.recorded) ?? panel.recorded;
  panel.samples = parseNumber('samples', values.samples) ?? panel.samples;
  if (typeof values.tone === 'string') {
    panel.tone.mapping = values.tone as ToneMapping;
  }
  panel.tone.gamma = parseNumber('gamma', values.gamma) ?? panel.tone.gamma;
  if (typeof values.cmap === 'string') {
    panel.tone.map = values.cmap as DiagramPanelState['tone']['map'];
  }
  if (values.invert === true) {
    panel.tone.invert = true;
  }
  return diagramWithOptionNames(() => normalizeAppState({ ...state, diagram: panel }));
}

/** Runs `action`, renaming the URL key of a ValidationError to the option that sets it. */
function diagramWithOptionNames<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof ValidationError && KEY_OPTIONS[error.field] !== undefined) {
      throw new ValidationError(KEY_OPTIONS[error.field]!, error.value, error.allowed);
    }
    throw error;
  }
}

function parseRange(text: string): DiagramRange {
  const parts = text.split(',');
  if (parts.length < 2 || parts.length > 3) {
    throw new ValidationError('--range', text, 'MIN,MAX or MIN,MAX,SCALE with SCALE linear or log, for example 0,3');
  }
  const min = parseNumber('range', parts[0]) ?? Number.NaN;
  const max = parseNumber('range', parts[1]) ?? Number.NaN;
  if (!(max > min)) {
    throw new ValidationError('--range', text, `MIN,MAX with MAX > MIN (here ${max} ≤ ${min}), for example 0,3`);
  }
  return { min, max, scale: (parts[2] ?? 'linear') as DiagramRange['scale'] };
}

/** Returns the sidecar path of FILE.npy: FILE.json. */
function sidecarPath(npyPath: string): string {
  return npyPath.toLowerCase().endsWith('.npy') ? `${npyPath.slice(0, -4)}.json` : `${npyPath}.json`;
}

function describeRender(diagram: BifurcationDiagram, render: DiagramRender): string {
  const density = render.density;
  const diverged = density.diverged.filter((count) => count > 0).length;
  const invalid = density.invalid.filter((count) => count > 0).length;
  const lines = [
    `diagram: ${diagram.columns} × ${diagram.rows} cells, ${diagram.samples} ${diagram.samples === 1 ? 'trajectory' : 'trajectories'} per column, ` +
      `${diagram.transient} + ${diagram.recorded} steps, computed in ${render.arithmetic} on ${render.description}, in ${(render.elapsedMilliseconds / 1000).toFixed(2)} s`,
    `counts: max ${maxCount(density.counts)} per cell`,
  ];
  if (diverged > 0) {
    lines.push(`${diverged} column(s) with diverged trajectories, which count nothing after they diverge`);
  }
  if (invalid > 0) {
    lines.push(`${invalid} column(s) with invalid parameters`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

async function buildFiles(state: AppState, diagram: BifurcationDiagram, render: DiagramRender, values: OptionValues, version: string): Promise<OutputFile[]> {
  const query = encodeAppState(state);
  const files: OutputFile[] = [];
  const density = render.density;
  if (typeof values.out === 'string') {
    const rgba = toneMapDensity(density.counts, state.diagram!.tone, lostColumns(density, diagram.samples));
    const texts = { [PNG_VIEW_KEY]: query, [PNG_VERSION_KEY]: version, [PNG_FIGURE_KEY]: 'bifurcation-diagram', Software: `eos-atlas ${version}` };
    files.push({ option: '--out', path: values.out, content: await encodePng(rgba, diagram.columns, diagram.rows, texts, (data) => deflateSync(data)) });
  }
  if (typeof values.npy === 'string') {
    files.push({ option: '--npy', path: values.npy, content: encodeNpy(density.counts, [diagram.rows, diagram.columns]) });
    const sidecar = {
      format: 'eos-atlas bifurcation diagram',
      version,
      query,
      npy: basename(values.npy),
      counts: { dtype: 'uint32', shape: [diagram.rows, diagram.columns], rows: 'row 0 is the top of the range (largest values)' },
      quantity: { name: diagram.quantity, label: DIAGRAM_QUANTITY_LABELS[diagram.quantity], ...diagram.y, rowEdges: 'row r from the bottom covers [min + r·h, min + (r + 1)·h), h = (max − min)/rows, in the logarithm on a log scale' },
      x: {
        parameter: diagram.x.parameter,
        label: AXIS_LABELS[diagram.x.parameter],
        min: diagram.x.min,
        max: diagram.x.max,
        scale: diagram.x.scale,
        columnCentres: Array.from({ length: diagram.columns }, (_, column) => axisValue(diagram.x, column, diagram.columns)),
      },
      fixed: diagram.fixed,
      experiment: diagram.experiment,
      transient: diagram.transient,
      recorded: diagram.recorded,
      samples: diagram.samples,
      engine: { kind: render.engine, description: render.description, arithmetic: render.arithmetic },
      divergedPerColumn: Array.from(density.diverged),
      invalidPerColumn: Array.from(density.invalid),
    };
    files.push({ option: '--npy (sidecar)', path: sidecarPath(values.npy), content: `${JSON.stringify(sidecar, null, 2)}\n` });
  }
  return files;
}
