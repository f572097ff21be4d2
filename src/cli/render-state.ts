/**
 * The view that `eos-atlas render` draws: a page state (AppState) loaded from
 * --url, --json or --png, or the page's default, with the command's options
 * applied on top, and the states of a --sweep.
 */
import { readFile } from 'node:fs/promises';
import { defaultColormapForLayer, prepareColormap, type ColormapName, type ColorScale } from '../core/colormaps.ts';
import { ValidationError } from '../core/errors.ts';
import type { ExperimentInput, Initialization, ParameterizationName } from '../core/experiment.ts';
import { LAYER_NAMES, type LayerName } from '../core/layers.ts';
import { PNG_VIEW_KEY, readPngTexts } from '../core/png.ts';
import { decodeAppState, DEFAULT_APP_STATE, normalizeAppState, type AppState, type EngineChoice } from '../core/url-state.ts';
import type { RequestedPrecision } from '../core/precision.ts';
import type { Axis, AxisParameter } from '../core/view.ts';
import { VIEW_EXPORT_FORMAT } from '../core/view-export.ts';
import { colorizeOptionsFor, defaultScaleForLayer } from '../core/colorize-options.ts';
import { parseNumber } from './options.ts';

/** Parsed command-line options, by long name. */
export type OptionValues = Record<string, string | boolean | undefined>;

/** The state a render starts from, and where it came from. */
export interface StartingState {
  state: AppState;
  /** The source in words, for error messages: `--url`, `--png FILE`, `--json FILE` or `the defaults`. */
  source: string;
  /** Files read, which no output may replace. */
  inputPaths: string[];
}

/** Options that load a whole view. */
const SOURCE_OPTIONS = ['url', 'json', 'png'] as const;

/**
 * Loads the starting state from the one of --url, --json and --png that is
 * given, or returns the page's default state.
 *
 * @throws ValidationError for more than one source, an unreadable file, or a
 *   view that does not decode. The message names the option.
 */
export async function loadStartingState(values: OptionValues): Promise<StartingState> {
  const given = SOURCE_OPTIONS.filter((name) => typeof values[name] === 'string');
  if (given.length > 1) {
    throw new ValidationError(`--${given[1]}`, values[given[1]!], `only one of --url, --json and --png, because each loads a whole view (--${given[0]} is given too)`);
  }
  const option = given[0];
  if (option === undefined) {
    return { state: structuredClone(DEFAULT_APP_STATE) as AppState, source: 'the defaults', inputPaths: [] };
  }
  const text = values[option] as string;
  if (option === 'url') {
    return { state: decodeWithSource(queryOfAddress(text), '--url'), source: '--url', inputPaths: [] };
  }

  let bytes: Uint8Array;
  try {
    bytes = await readFile(text);
  } catch (error) {
    throw new ValidationError(`--${option}`, text, `a readable file (${(error as Error).message})`);
  }
  if (option === 'json') {
    return { state: stateFromJson(bytes, text), source: `--json ${text}`, inputPaths: [text] };
  }
  return { state: stateFromPng(bytes, text), source: `--png ${text}`, inputPaths: [text] };
}

/**
 * Returns the query string of a page address (`http://host/path?v=1&…#…`) or
 * of a bare query (`?v=1&…` or `v=1&…`). An address without a query gives
 * the empty query, which is the default view.
 */
export function queryOfAddress(text: string): string {
  const trimmed = text.trim();
  const withoutFragment = trimmed.split('#', 1)[0]!;
  const question = withoutFragment.indexOf('?');
  if (question >= 0) {
    return withoutFragment.slice(question + 1);
  }
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(withoutFragment) ? '' : withoutFragment;
}

function decodeWithSource(query: string, source: string): AppState {
  try {
    return decodeAppState(query);
  } catch (error) {
    throw withSource(error, source);
  }
}

/** Prefixes a ValidationError's message with the option or file it came from. */
function withSource(error: unknown, source: string): unknown {
  if (error instanceof ValidationError) {
    error.message = `${source}: ${error.message}`;
  }
  return error;
}

function stateFromJson(bytes: Uint8Array, path: string): AppState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ValidationError('--json', path, `a JSON file of a page state or an export sidecar (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValidationError('--json', path, 'a JSON object: a page state {view, layer, colormap, history, future, debug} or an export sidecar');
  }
  const sidecar = parsed as { format?: unknown; query?: unknown };
  if (sidecar.format === VIEW_EXPORT_FORMAT && typeof sidecar.query === 'string') {
    return decodeWithSource(sidecar.query, `--json ${path} (sidecar "query")`);
  }
  const state = parsed as Partial<AppState>;
  // Fields that the page writes with fixed defaults may be left out of a hand-written file.
  const completed = {
    ...state,
    history: state.history ?? [],
    future: state.future ?? [],
    debug: state.debug ?? { engine: 'auto', precision: 'auto' },
  } as AppState;
  try {
    return normalizeAppState(completed);
  } catch (error) {
    throw withSource(error, `--json ${path}`);
  }
}

/** Restores the view of a PNG that eos-atlas exported, from its {@link PNG_VIEW_KEY} text. */
function stateFromPng(bytes: Uint8Array, path: string): AppState {
  let texts: Record<string, string>;
  try {
    texts = readPngTexts(bytes);
  } catch (error) {
    throw withSource(error, `--png ${path}`);
  }
  const query = texts[PNG_VIEW_KEY];
  if (query === undefined) {
    throw new ValidationError(
      '--png',
      path,
      `a PNG exported by eos-atlas, with the view in a text chunk "${PNG_VIEW_KEY}", but this file has ${Object.keys(texts).length === 0 ? 'no text chunks' : `only the text keywords ${Object.keys(texts).join(', ')}`}`,
    );
  }
  return decodeWithSource(query, `--png ${path} (text "${PNG_VIEW_KEY}")`);
}

// ---------------------------------------------------------------------------
// Options on top of the loaded state.

/** Options that set each URL key, for error messages in the user's own terms. */
const OPTIONS_OF_KEY: Record<string, readonly string[]> = {
  n: ['width'],
  s: ['parameterization'],
  x: ['input-norm'],
  y: ['target'],
  su: ['sigma-w', 'sigma-u'],
  sv: ['sigma-w', 'sigma-v'],
  eta: ['eta'],
  T: ['steps'],
  init: ['init'],
  f0: ['f0'],
  lambda0: ['lambda0'],
  seed: ['seed'],
  xa: ['x'],
  ya: ['y'],
  res: ['res'],
  samples: ['samples'],
  layer: ['layer'],
  cmap: ['cmap'],
  cscale: ['cscale'],
  cmin: ['cmin'],
  cmax: ['cmax'],
  engine: ['engine'],
  precision: ['precision'],
};

/**
 * Applies the view options to `start.state` and returns the validated,
 * canonical state. As on the page, a new layer brings its default colour map
 * and scale and an automatic range (before --cmap, --cscale, --cmin and
 * --cmax apply), and a changed view clears the zoom history.
 *
 * @throws ValidationError naming the option at fault, or the source of a
 *   loaded value that the options make invalid.
 */
export function applyViewOptions(start: StartingState, values: OptionValues): AppState {
  const base = start.state;
  const candidate: AppState = {
    view: {
      experiment: applyExperimentOptions(base.view.experiment ?? {}, values),
      x: typeof values.x === 'string' ? parseAxisOption('--x', values.x) : base.view.x,
      y: typeof values.y === 'string' ? parseAxisOption('--y', values.y) : base.view.y,
      columns: base.view.columns,
      rows: base.view.rows,
      samples: parseNumber('samples', values.samples) ?? base.view.samples,
    },
    layer: base.layer,
    colormap: { ...base.colormap },
    history: [],
    future: [],
    debug: { ...base.debug },
  };
  if (typeof values.res === 'string') {
    Object.assign(candidate.view, parseResolution(values.res));
  }

  if (typeof values.layer === 'string' && values.layer !== base.layer) {
    if (!(LAYER_NAMES as readonly string[]).includes(values.layer)) {
      throw new ValidationError('--layer', values.layer, `one of ${LAYER_NAMES.join(', ')}`);
    }
    const layer = values.layer as LayerName;
    candidate.layer = layer;
    candidate.colormap = { map: defaultColormapForLayer(layer).map, scale: defaultScaleForLayer(layer) };
  }
  if (typeof values.cmap === 'string') {
    candidate.colormap.map = values.cmap as ColormapName;
  }
  if (typeof values.cscale === 'string') {
    candidate.colormap.scale = values.cscale as ColorScale;
  }
  for (const [option, field] of [
    ['cmin', 'min'],
    ['cmax', 'max'],
  ] as const) {
    const text = values[option];
    if (text === 'auto') {
      delete candidate.colormap[field];
    } else if (typeof text === 'string') {
      candidate.colormap[field] = parseNumber(option, text);
    }
  }
  if (typeof values.engine === 'string') {
    candidate.debug.engine = values.engine as EngineChoice;
  }
  if (typeof values.precision === 'string') {
    candidate.debug.precision = values.precision as RequestedPrecision;
  }

  const state = normalizeWithOptionNames(candidate, values, start.source);
  checkColorOptions(state, values, start.source);
  // The base state is canonical, and so is the result, so equal views give equal JSON.
  if (JSON.stringify(state.view) === JSON.stringify(base.view)) {
    state.history = structuredClone(base.history);
    state.future = structuredClone(base.future);
  }
  return state;
}

/**
 * Validates a state built from options. An error whose URL key an option set
 * is renamed to that option. Otherwise the value came from the loaded view,
 * and the message names that source and the options that override it.
 */
function normalizeWithOptionNames(state: AppState, values: OptionValues, source: string): AppState {
  try {
    return normalizeAppState(state);
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      throw error;
    }
    return throwWithOptionNames(error, values, source);
  }
}

/** Throws `error` renamed to the option that set its URL key, or with the source of the value. */
function throwWithOptionNames(error: ValidationError, values: OptionValues, source: string): never {
  const options = OPTIONS_OF_KEY[error.field];
  if (options === undefined) {
    throw error;
  }
  const given = options.find((option) => values[option] !== undefined);
  if (given !== undefined) {
    throw new ValidationError(`--${given}`, values[given], error.allowed);
  }
  error.message = `${error.message} The value comes from ${source}, and ${options.map((option) => `--${option}`).join(' or ')} can replace it.`;
  throw error;
}

/** Fields of prepareColormap's errors, mapped to the URL key and the colour-map field that set them. */
const COLORIZE_FIELDS: Record<string, readonly [string, keyof AppState['colormap']]> = {
  'colorize.map': ['cmap', 'map'],
  'colorize.scale': ['cscale', 'scale'],
  'colorize.min': ['cmin', 'min'],
  'colorize.max': ['cmax', 'max'],
};

/**
 * Checks that the page's colouring accepts the state's colour options, which
 * normalizeAppState does not fully check: it accepts a continuous map on the
 * phase and period layers, whose colouring needs their own maps.
 */
function checkColorOptions(state: AppState, values: OptionValues, source: string): void {
  try {
    prepareColormap(colorizeOptionsFor(state, undefined));
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      throw error;
    }
    const [key, field] = COLORIZE_FIELDS[error.field] ?? ['cmap', 'map'];
    const own = defaultColormapForLayer(state.layer);
    const allowed = key === 'cmap' && own.mode !== 'continuous' ? `the ${own.map} map, the only map that colours the ${state.layer} layer` : error.allowed;
    throwWithOptionNames(new ValidationError(key, state.colormap[field], allowed), values, source);
  }
}

function applyExperimentOptions(base: ExperimentInput, values: OptionValues): ExperimentInput {
  const experiment: ExperimentInput = { ...base };
  const numeric: Array<[string, 'width' | 'inputNorm' | 'target' | 'learningRate' | 'steps' | 'sigmaU' | 'sigmaV']> = [
    ['width', 'width'],
    ['input-norm', 'inputNorm'],
    ['target', 'target'],
    ['eta', 'learningRate'],
    ['steps', 'steps'],
    ['sigma-u', 'sigmaU'],
    ['sigma-v', 'sigmaV'],
  ];
  for (const [option, field] of numeric) {
    const value = parseNumber(option, values[option]);
    if (value !== undefined) {
      experiment[field] = value;
    }
  }

  if (values['sigma-w'] !== undefined) {
    const other = ['sigma-u', 'sigma-v'].find((option) => values[option] !== undefined);
    if (other !== undefined) {
      throw new ValidationError('--sigma-w', values['sigma-w'], `either --sigma-w alone or --sigma-u and --sigma-v, not both (--${other} is given too)`);
    }
    const sigma = parseNumber('sigma-w', values['sigma-w'])!;
    experiment.sigmaU = sigma;
    experiment.sigmaV = sigma;
  }
  if (typeof values.parameterization === 'string') {
    experiment.parameterization = parseParameterization(values.parameterization);
  }
  experiment.init = applyInitializationOptions(base.init ?? { kind: 'typical' }, values);
  return experiment;
}

/** Reads a parameterization: a number, or a preset name that createExperiment resolves. */
export function parseParameterization(text: string): ExperimentInput['parameterization'] {
  const numeric = Number(text);
  return text.trim() !== '' && !Number.isNaN(numeric) ? numeric : (text as ParameterizationName);
}

/**
 * Applies --init, --f0, --lambda0 and --seed. Without --init, or with the
 * loaded kind, the given fields replace the loaded ones. A new kind takes its
 * fields from the options alone.
 */
function applyInitializationOptions(base: Initialization, values: OptionValues): Initialization {
  const kind = typeof values.init === 'string' ? values.init : base.kind;
  const belongsTo: Record<string, string> = { f0: 'explicit', lambda0: 'explicit', seed: 'sampled' };
  for (const [option, owner] of Object.entries(belongsTo)) {
    if (values[option] !== undefined && kind !== owner) {
      throw new ValidationError(`--${option}`, values[option], `--init ${owner} with --${option} (the initialization is "${kind}")`);
    }
  }
  const loaded = kind === base.kind ? base : undefined;
  switch (kind) {
    case 'typical':
      return { kind };
    case 'explicit': {
      const f0 = parseNumber('f0', values.f0) ?? (loaded?.kind === 'explicit' ? loaded.f0 : undefined);
      const lambda0 = parseNumber('lambda0', values.lambda0) ?? (loaded?.kind === 'explicit' ? loaded.lambda0 : undefined);
      if (f0 === undefined || lambda0 === undefined) {
        throw new ValidationError(f0 === undefined ? '--f0' : '--lambda0', undefined, 'a value: --init explicit needs both --f0 and --lambda0');
      }
      return { kind, f0, lambda0 };
    }
    case 'sampled': {
      const seed = parseNumber('seed', values.seed) ?? (loaded?.kind === 'sampled' ? loaded.seed : undefined);
      if (seed === undefined) {
        throw new ValidationError('--seed', undefined, 'a value: --init sampled needs --seed');
      }
      return { kind, seed };
    }
    default:
      throw new ValidationError('--init', kind, 'typical, explicit or sampled');
  }
}

/** Parses `PARAMETER,MIN,MAX[,SCALE]`; createView checks the parameter, the range and the scale. */
function parseAxisOption(option: string, text: string): Axis {
  const parts = text.split(',');
  if (parts.length !== 3 && parts.length !== 4) {
    throw new ValidationError(option, text, 'PARAMETER,MIN,MAX or PARAMETER,MIN,MAX,SCALE with SCALE linear or log, for example etaRatio,0.05,2.2 or eta,0.01,10,log');
  }
  const name = option.slice(2);
  return {
    parameter: parts[0]!.trim() as AxisParameter,
    min: parseNumber(name, parts[1])!,
    max: parseNumber(name, parts[2])!,
    scale: (parts[3]?.trim() ?? 'linear') as Axis['scale'],
  };
}

/** Parses `COLUMNSxROWS`, for example `256x256`. */
function parseResolution(text: string): { columns: number; rows: number } {
  const parts = text.split('x');
  if (parts.length !== 2 || parts.some((part) => !/^\s*\d+\s*$/.test(part))) {
    throw new ValidationError('--res', text, 'COLUMNSxROWS, two integers ≥ 1 joined by x, for example 256x256');
  }
  return { columns: Number(parts[0]), rows: Number(parts[1]) };
}

// ---------------------------------------------------------------------------
// Sweeps.

/** Experiment parameters that --sweep varies, with the axis parameters that would override each. */
const SWEEP_CONFLICTS: Record<string, readonly AxisParameter[]> = {
  width: ['width'],
  parameterization: ['parameterization'],
  inputNorm: [],
  target: ['target'],
  sigmaW: ['sigmaW'],
  sigmaU: ['sigmaW'],
  sigmaV: ['sigmaW'],
  eta: ['eta', 'etaRatio', 'c'],
  steps: [],
  f0: ['f0OverY'],
  lambda0: [],
  seed: [],
};

/** Parameters that --sweep accepts. */
export const SWEEP_PARAMETERS: readonly string[] = Object.keys(SWEEP_CONFLICTS);

/** One render of a sweep. */
export interface SweepEntry {
  /** The value as the user wrote it. */
  valueText: string;
  /** File name without extension: `NAME-PARAMETER-VALUE`. */
  stem: string;
  state: AppState;
}

/**
 * Parses `PARAMETER=V1,V2,…` and returns one validated state per value, each
 * `base` with the parameter set. The zoom history is cleared, because the
 * view changes.
 *
 * @throws ValidationError for an unknown parameter, one that an axis sets, an
 *   empty or repeated value, or a value that the experiment rejects.
 */
export function planSweep(text: string, base: AppState, name: string): { parameter: string; entries: SweepEntry[] } {
  const equals = text.indexOf('=');
  const parameter = equals < 0 ? text.trim() : text.slice(0, equals).trim();
  const valueTexts = equals < 0 ? [] : text.slice(equals + 1).split(',').map((value) => value.trim());
  if (!Object.hasOwn(SWEEP_CONFLICTS, parameter)) {
    throw new ValidationError('--sweep', text, `PARAMETER=V1,V2,… with PARAMETER one of ${SWEEP_PARAMETERS.join(', ')}`);
  }
  if (valueTexts.length === 0 || valueTexts.some((value) => value === '')) {
    throw new ValidationError('--sweep', text, `PARAMETER=V1,V2,… with one or more values, for example ${parameter}=1,2,4`);
  }
  for (const [axisName, axis] of [
    ['x', base.view.x],
    ['y', base.view.y],
  ] as const) {
    if (SWEEP_CONFLICTS[parameter]!.includes(axis.parameter)) {
      throw new ValidationError(
        '--sweep',
        text,
        `a parameter that no axis sets, but the ${axisName} axis sweeps ${axis.parameter}, which overrides ${parameter} at every pixel. Sweep another parameter, or change --${axisName}`,
      );
    }
  }

  const entries = valueTexts.map((valueText) => {
    const stem = `${name}-${parameter}-${valueText.replace(/[^A-Za-z0-9._+-]/g, '_')}`;
    return { valueText, stem, state: stateWithSweepValue(base, parameter, valueText) };
  });
  const stems = entries.map((entry) => entry.stem);
  const repeated = stems.find((stem, index) => stems.indexOf(stem) !== index);
  if (repeated !== undefined) {
    throw new ValidationError('--sweep', text, `values that give distinct file names, but two give ${repeated}`);
  }
  return { parameter, entries };
}

function stateWithSweepValue(base: AppState, parameter: string, valueText: string): AppState {
  const experiment: ExperimentInput = { ...base.view.experiment };
  const init = experiment.init ?? { kind: 'typical' };
  const number = (): number => parseNumber('sweep', valueText)!;
  switch (parameter) {
    case 'parameterization':
      experiment.parameterization = parseParameterization(valueText);
      break;
    case 'sigmaW':
      experiment.sigmaU = number();
      experiment.sigmaV = number();
      break;
    case 'eta':
      experiment.learningRate = number();
      break;
    case 'f0':
    case 'lambda0':
      if (init.kind !== 'explicit') {
        throw new ValidationError('--sweep', `${parameter}=${valueText}`, `--init explicit to sweep ${parameter} (the initialization is "${init.kind}")`);
      }
      experiment.init = { ...init, [parameter]: number() };
      break;
    case 'seed':
      if (init.kind !== 'sampled') {
        throw new ValidationError('--sweep', `${parameter}=${valueText}`, `--init sampled to sweep seed (the initialization is "${init.kind}")`);
      }
      experiment.init = { kind: 'sampled', seed: number() };
      break;
    default:
      experiment[parameter as 'width' | 'inputNorm' | 'target' | 'steps' | 'sigmaU' | 'sigmaV'] = number();
  }
  try {
    return normalizeAppState({ ...base, view: { ...base.view, experiment }, history: [], future: [] });
  } catch (error) {
    if (error instanceof ValidationError) {
      error.message = `Invalid --sweep value ${parameter}=${valueText}: ${error.message}`;
    }
    throw error;
  }
}
