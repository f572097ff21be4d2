/**
 * The page's state as a URL query string, so that a shared link reopens the same
 * picture: the view, the layer and its colours, the zoom history and the debug
 * flags. The module touches no DOM. docs/url-state.md lists every key.
 *
 * A decoded state is canonical: every experiment field is written out, the
 * parameterization is a number, and σ_U and σ_v are separate, so
 * `decodeAppState(encodeAppState(state))` equals `normalizeAppState(state)`, and
 * equals `state` itself for a canonical state.
 */
import { COLOR_SCALES, COLORMAP_NAMES, COLORMAPS, defaultColormapForLayer, type ColormapName, type ColorScale } from './colormaps.ts';
import { ValidationError } from './errors.ts';
import { PARAMETERIZATION_PRESETS, type ExperimentInput, type Initialization } from './experiment.ts';
import { LAYER_NAMES, type LayerName } from './layers.ts';
import { createView, DEFAULT_VIEW_INPUT, RATE_PARAMETERS, type Axis, type View, type ViewInput } from './view.ts';
import { createDiagram, DIAGRAM_QUANTITIES, type DiagramQuantity, type DiagramRange } from './bifurcation-diagram.ts';
import { DEFAULT_DIAGRAM_PANEL, type DiagramPanelState } from './diagram-state.ts';
import { validateToneOptions, type ToneMapping } from './density-tone.ts';
import { REQUESTED_PRECISIONS, type RequestedPrecision } from './precision.ts';

/** Version of the link format that {@link encodeAppState} writes as `v`. */
export const URL_STATE_VERSION = 1;

/** Link format versions that {@link decodeAppState} reads. */
export const SUPPORTED_URL_STATE_VERSIONS: readonly number[] = [1];

/**
 * Maximum number of entries in each zoom list (`history` and `future`). With 20
 * entries in both lists and 17-digit numbers everywhere, a link stays under
 * 7,000 characters, below the 8,190-byte request line that Apache accepts by
 * default and the 8 KiB one of nginx.
 */
export const MAX_HISTORY_ENTRIES = 20;

/** Engines that the debug key `engine` selects: `auto` takes WebGPU where an adapter exists, else the CPU. */
export const ENGINE_CHOICES = ['auto', 'webgpu', 'cpu'] as const;

/** Engine choice of the debug key `engine`. */
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** Colours of the shown layer. */
export interface ColormapState {
  map: ColormapName;
  /** Scale of a continuous map. The `phase` and `period` maps ignore it. */
  scale: ColorScale;
  /** Value at the low end of the map. Absent: the low end of the layer's values. */
  min?: number;
  /** Value at the high end of the map. Absent: the high end of the layer's values. */
  max?: number;
}

/** Ranges of both axes at one step of the zoom history. */
export interface AxisPair {
  x: Axis;
  y: Axis;
}

/** Settings for debugging the engines, not part of the picture's meaning. */
export interface DebugState {
  engine: EngineChoice;
  /** Arithmetic of the renders: `auto` picks the cheapest precision that resolves the view. */
  precision: RequestedPrecision;
  /** Draws the outlines of the engine's tiles over the picture. Absent: the page's choice. */
  showTiles?: boolean;
}

/** Everything a link restores. */
export interface AppState {
  view: ViewInput;
  /** Layer shown. */
  layer: LayerName;
  colormap: ColormapState;
  /** Previous axis ranges, oldest first: "back" restores the last entry. */
  history: AxisPair[];
  /** Axis ranges undone by "back", oldest first: "forward" restores the first entry. */
  future: AxisPair[];
  debug: DebugState;
  /** Settings of the bifurcation-diagram panel, or undefined while the panel is closed. */
  diagram?: DiagramPanelState;
}

/**
 * Keys of the link format, in the order {@link encodeAppState} writes them.
 * Any other key is rejected unless it starts with `x-`.
 */
export const URL_STATE_KEYS = [
  'v',
  'n',
  's',
  'x',
  'y',
  'su',
  'sv',
  'eta',
  'T',
  'init',
  'f0',
  'lambda0',
  'seed',
  'xa',
  'ya',
  'res',
  'samples',
  'layer',
  'cmap',
  'cscale',
  'cmin',
  'cmax',
  'hist',
  'fut',
  'bq',
  'by',
  'bx',
  'brow',
  'bres',
  'bsteps',
  'bsamples',
  'btone',
  'engine',
  'precision',
  'tiles',
] as const;

/** One key of the link format. */
export type UrlStateKey = (typeof URL_STATE_KEYS)[number];

/** Prefix of keys that {@link decodeAppState} ignores, free for extensions. */
export const EXTENSION_KEY_PREFIX = 'x-';

/** Largest finite float32. The colour-mapping kernel compares values in float32. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Smallest positive normal float32, the least `min` of a log colour scale. */
const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * The page's first state: {@link DEFAULT_VIEW_INPUT} with every experiment field
 * written out (createView gives the same View for both), the `phase` layer in its
 * default colour map, empty zoom lists, and the `auto` engine and precision. Deeply frozen.
 */
export const DEFAULT_APP_STATE: Readonly<AppState> = deepFreeze({
  view: canonicalViewInput(createView(DEFAULT_VIEW_INPUT)),
  layer: 'phase',
  colormap: { map: defaultColormapForLayer('phase').map, scale: 'linear' },
  history: [],
  future: [],
  debug: { engine: 'auto', precision: 'auto' },
});

/**
 * Validates `state` and returns its canonical copy: the view as createView
 * resolves it (presets as numbers, σ_w split into σ_U and σ_v, every default
 * written out), without absent optional fields.
 *
 * @throws ValidationError whose `field` is the URL key of the invalid value
 *   (see docs/url-state.md), for example `xa` for an invalid x axis.
 */
export function normalizeAppState(state: AppState): AppState {
  return validateAppState(state, new Map());
}

/**
 * Encodes `state` as a query string without the leading `?`, for example
 * `v=1&n=1024&s=1&…&layer=phase&cmap=phase&cscale=linear`.
 *
 * Every key of the picture is written, defaults included, so a link keeps its
 * meaning when a later release changes the defaults. Only keys whose absence
 * means something are left out: `cmin` and `cmax` (automatic range), `hist` and
 * `fut` (empty), the init fields of other init kinds, `engine` and `precision`
 * when they are `auto`, and `tiles` when `showTiles` is absent. Numbers are written by
 * String(number), the shortest form that reads back to the same double, with
 * `-0` for negative zero and `1e21` for `1e+21`.
 *
 * @throws ValidationError as {@link normalizeAppState} does.
 */
export function encodeAppState(state: AppState): string {
  const canonical = normalizeAppState(state);
  const experiment = canonical.view.experiment as Required<Omit<ExperimentInput, 'sigmaW'>>;
  const pairs: Array<[UrlStateKey, string]> = [
    ['v', String(URL_STATE_VERSION)],
    ['n', formatNumber(experiment.width)],
    ['s', formatNumber(experiment.parameterization as number)],
    ['x', formatNumber(experiment.inputNorm)],
    ['y', formatNumber(experiment.target)],
    ['su', formatNumber(experiment.sigmaU)],
    ['sv', formatNumber(experiment.sigmaV)],
    ['eta', formatNumber(experiment.learningRate)],
    ['T', formatNumber(experiment.steps)],
    ['init', experiment.init.kind],
  ];
  const init = experiment.init;
  if (init.kind === 'explicit') {
    pairs.push(['f0', formatNumber(init.f0)], ['lambda0', formatNumber(init.lambda0)]);
  } else if (init.kind === 'sampled') {
    pairs.push(['seed', formatNumber(init.seed)]);
  }

  const view = canonical.view;
  pairs.push(
    ['xa', formatAxis(view.x)],
    ['ya', formatAxis(view.y)],
    ['res', `${formatNumber(view.columns)}x${formatNumber(view.rows)}`],
    ['samples', formatNumber(view.samples ?? 1)],
    ['layer', canonical.layer],
    ['cmap', canonical.colormap.map],
    ['cscale', canonical.colormap.scale],
  );
  if (canonical.colormap.min !== undefined) {
    pairs.push(['cmin', formatNumber(canonical.colormap.min)]);
  }
  if (canonical.colormap.max !== undefined) {
    pairs.push(['cmax', formatNumber(canonical.colormap.max)]);
  }
  if (canonical.history.length > 0) {
    pairs.push(['hist', formatAxisPairs(canonical.history)]);
  }
  if (canonical.future.length > 0) {
    pairs.push(['fut', formatAxisPairs(canonical.future)]);
  }
  if (canonical.diagram !== undefined) {
    pairs.push(...formatDiagramPairs(canonical.diagram));
  }
  if (canonical.debug.engine !== 'auto') {
    pairs.push(['engine', canonical.debug.engine]);
  }
  if (canonical.debug.precision !== 'auto') {
    pairs.push(['precision', canonical.debug.precision]);
  }
  if (canonical.debug.showTiles !== undefined) {
    pairs.push(['tiles', canonical.debug.showTiles ? '1' : '0']);
  }
  // Every value is a number, a name or one of the separators , : ; x, all of
  // which a query string carries unescaped.
  return pairs.map(([key, value]) => `${key}=${value}`).join('&');
}

/**
 * Decodes a query string (with or without the leading `?`) into a canonical
 * state. Absent keys take the values of {@link DEFAULT_APP_STATE}, except `cmap`,
 * which defaults to the layer's own map. Percent-escapes are decoded, and `+`
 * stays a plus sign. Keys starting with `x-` are ignored.
 *
 * @throws ValidationError whose `field` is the URL key at fault, for an unknown
 *   or repeated key, a version other than 1, a value that does not parse, or a
 *   state that createView or the checks of {@link normalizeAppState} reject.
 */
export function decodeAppState(query: string): AppState {
  const raw = parseQuery(query);
  const text = (key: UrlStateKey): string | undefined => raw.get(key);
  const number = (key: UrlStateKey): number | undefined => {
    const value = raw.get(key);
    return value === undefined ? undefined : parseNumber(key, value, value);
  };

  const defaults = DEFAULT_APP_STATE.view.experiment as Required<Omit<ExperimentInput, 'sigmaW'>>;
  const experiment: ExperimentInput = {
    width: number('n') ?? defaults.width,
    parameterization: decodeParameterization(text('s')) ?? defaults.parameterization,
    inputNorm: number('x') ?? defaults.inputNorm,
    target: number('y') ?? defaults.target,
    sigmaU: number('su') ?? defaults.sigmaU,
    sigmaV: number('sv') ?? defaults.sigmaV,
    learningRate: number('eta') ?? defaults.learningRate,
    steps: number('T') ?? defaults.steps,
    init: decodeInitialization(raw, number),
  };

  const defaultView = DEFAULT_APP_STATE.view;
  const resolution = raw.has('res') ? parseResolution(raw.get('res')!) : { columns: defaultView.columns, rows: defaultView.rows };
  const view: ViewInput = {
    experiment,
    x: raw.has('xa') ? parseAxis('xa', raw.get('xa')!) : { ...defaultView.x },
    y: raw.has('ya') ? parseAxis('ya', raw.get('ya')!) : { ...defaultView.y },
    columns: resolution.columns,
    rows: resolution.rows,
    samples: number('samples') ?? defaultView.samples ?? 1,
  };

  const layer = (text('layer') ?? DEFAULT_APP_STATE.layer) as LayerName;
  // An unknown layer has no default map, but validateAppState rejects the layer before the map is used.
  const defaultMap = (LAYER_NAMES as readonly string[]).includes(layer) ? defaultColormapForLayer(layer).map : DEFAULT_APP_STATE.colormap.map;
  const colormap: ColormapState = {
    map: (text('cmap') ?? defaultMap) as ColormapName,
    scale: (text('cscale') ?? DEFAULT_APP_STATE.colormap.scale) as ColorScale,
  };
  const colormapMin = number('cmin');
  const colormapMax = number('cmax');
  if (colormapMin !== undefined) {
    colormap.min = colormapMin;
  }
  if (colormapMax !== undefined) {
    colormap.max = colormapMax;
  }

  const debug: DebugState = {
    engine: (text('engine') ?? DEFAULT_APP_STATE.debug.engine) as EngineChoice,
    precision: (text('precision') ?? DEFAULT_APP_STATE.debug.precision) as RequestedPrecision,
  };
  const tiles = text('tiles');
  if (tiles !== undefined) {
    if (tiles !== '0' && tiles !== '1') {
      throw new ValidationError('tiles', tiles, '1 (draw tile outlines) or 0 (draw none)');
    }
    debug.showTiles = tiles === '1';
  }

  const state: AppState = {
    view,
    layer,
    colormap,
    history: raw.has('hist') ? parseAxisPairs('hist', raw.get('hist')!) : [],
    future: raw.has('fut') ? parseAxisPairs('fut', raw.get('fut')!) : [],
    debug,
  };
  const diagram = decodeDiagramPanel(raw, number);
  if (diagram !== undefined) {
    state.diagram = diagram;
  }
  return validateAppState(state, raw);
}

// ---------------------------------------------------------------------------
// Validation, shared by encode (no URL text) and decode (errors quote the URL text).

/** Experiment and view fields of createView's errors, mapped to the URL key that sets them. */
const VIEW_FIELD_KEYS: Record<string, UrlStateKey> = {
  width: 'n',
  parameterization: 's',
  inputNorm: 'x',
  target: 'y',
  sigmaW: 'su',
  sigmaU: 'su',
  sigmaV: 'sv',
  learningRate: 'eta',
  steps: 'T',
  'init.kind': 'init',
  'init.f0': 'f0',
  'init.lambda0': 'lambda0',
  'init.seed': 'seed',
  columns: 'res',
  rows: 'res',
  samples: 'samples',
};

function validateAppState(state: AppState, raw: ReadonlyMap<string, string>): AppState {
  if (typeof state?.view !== 'object' || state.view === null) {
    throw new ValidationError('view', state?.view, 'a view object {experiment, x, y, columns, rows, samples}');
  }
  const view = createViewWithKeys(state.view, raw);
  const canonicalView = canonicalViewInput(view);

  const layer = state.layer;
  if (!(LAYER_NAMES as readonly string[]).includes(layer)) {
    throw new ValidationError('layer', raw.get('layer') ?? layer, `one of ${LAYER_NAMES.join(', ')}`);
  }

  const result: AppState = {
    view: canonicalView,
    layer,
    colormap: validateColormap(state.colormap, layer, raw),
    history: validateAxisPairs('hist', state.history, view, raw),
    future: validateAxisPairs('fut', state.future, view, raw),
    debug: validateDebug(state.debug, raw),
  };
  if (state.diagram !== undefined) {
    result.diagram = validateDiagramPanel(state.diagram, view, raw);
  }
  return result;
}

/** Diagram fields of createDiagram's errors, mapped to the URL key that sets them. */
const DIAGRAM_FIELD_KEYS: Record<string, UrlStateKey> = {
  quantity: 'bq',
  columns: 'bres',
  rows: 'bres',
  transient: 'bsteps',
  recorded: 'bsteps',
  samples: 'bsamples',
  'fixed.value': 'brow',
};

/**
 * Checks the panel's settings with createDiagram. The panel may stay open on a view
 * whose x axis is not a learning rate (it then shows why it draws nothing), so the
 * check then uses η/η_c over [1, 2] in place of the view's axis.
 */
function validateDiagramPanel(panel: DiagramPanelState, view: View, raw: ReadonlyMap<string, string>): DiagramPanelState {
  if (typeof panel !== 'object' || panel === null) {
    throw new ValidationError('bq', panel, 'a diagram panel object {quantity, y, x?, row?, columns, rows, transient, recorded, samples, tone}');
  }
  const rateAxis = RATE_PARAMETERS.includes(view.x.parameter) ? view.x : ({ parameter: 'etaRatio', min: 1, max: 2, scale: 'linear' } as const);
  const x = panel.x ?? rateAxis;
  const fixedUsable = !RATE_PARAMETERS.includes(view.y.parameter);
  try {
    createDiagram({
      experiment: view.experiment,
      x: { parameter: rateAxis.parameter, min: x?.min, max: x?.max, scale: x?.scale },
      fixed: panel.row !== undefined && fixedUsable ? { parameter: view.y.parameter, value: panel.row } : undefined,
      quantity: panel.quantity,
      y: panel.y,
      columns: panel.columns,
      rows: panel.rows,
      transient: panel.transient,
      recorded: panel.recorded,
      samples: panel.samples,
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      throw error;
    }
    const key = error.field.startsWith('x.') ? 'bx' : error.field.startsWith('y.') ? 'by' : DIAGRAM_FIELD_KEYS[error.field];
    if (key === undefined) {
      throw error;
    }
    const allowed = error.field === key ? error.allowed : `${error.allowed} for ${error.field}`;
    throw new ValidationError(key, raw.get(key) ?? error.value, allowed);
  }
  if (panel.row !== undefined && !Number.isFinite(panel.row)) {
    throw new ValidationError('brow', raw.get('brow') ?? panel.row, 'a finite number');
  }
  try {
    validateToneOptions(panel.tone ?? {});
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      throw error;
    }
    throw new ValidationError('btone', raw.get('btone') ?? error.value, `${error.allowed} for ${error.field}`);
  }
  const result: DiagramPanelState = {
    quantity: panel.quantity,
    y: { min: panel.y.min, max: panel.y.max, scale: panel.y.scale },
    columns: panel.columns,
    rows: panel.rows,
    transient: panel.transient,
    recorded: panel.recorded,
    samples: panel.samples,
    tone: { mapping: panel.tone.mapping, gamma: panel.tone.gamma, map: panel.tone.map, invert: panel.tone.invert === true },
  };
  if (panel.x !== undefined) {
    result.x = { min: panel.x.min, max: panel.x.max, scale: panel.x.scale };
  }
  if (panel.row !== undefined) {
    result.row = panel.row;
  }
  return result;
}

/** Runs createView and renames the field of its errors to the URL key that sets it. */
function createViewWithKeys(input: ViewInput, raw: ReadonlyMap<string, string>): View {
  try {
    return createView(input);
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      throw error;
    }
    const key = error.field.startsWith('x.') ? 'xa' : error.field.startsWith('y.') ? 'ya' : VIEW_FIELD_KEYS[error.field];
    if (key === undefined) {
      throw error;
    }
    // Name the view field when the key sets several (xa: parameter, min, max, scale) or another name (n: width).
    const allowed = error.field === key ? error.allowed : `${error.allowed} for ${error.field}`;
    throw new ValidationError(key, raw.get(key) ?? error.value, allowed);
  }
}

function validateColormap(colormap: ColormapState, layer: LayerName, raw: ReadonlyMap<string, string>): ColormapState {
  if (typeof colormap !== 'object' || colormap === null) {
    throw new ValidationError('cmap', colormap, 'a colour map object {map, scale, min?, max?}');
  }
  const map = colormap.map;
  if (!(COLORMAP_NAMES as readonly string[]).includes(map)) {
    throw new ValidationError('cmap', raw.get('cmap') ?? map, `one of ${COLORMAP_NAMES.join(', ')}`);
  }
  // The phase and period maps read phase codes and periods, which only their own layers hold.
  // The phase and period layers hold category codes, which only their own maps colour.
  if ((layer === 'phase' || layer === 'period') && map !== layer) {
    throw new ValidationError('cmap', raw.get('cmap') ?? map, `the ${layer} map for the ${layer} layer`);
  }
  if (COLORMAPS[map].kind === 'categorical' && map !== layer) {
    const continuous = COLORMAP_NAMES.filter((name) => COLORMAPS[name].kind !== 'categorical');
    throw new ValidationError('cmap', raw.get('cmap') ?? map, `a map for layer ${layer}: ${continuous.join(', ')} (the ${map} map colours only the ${map} layer)`);
  }

  const scale = colormap.scale;
  if (!(COLOR_SCALES as readonly string[]).includes(scale)) {
    throw new ValidationError('cscale', raw.get('cscale') ?? scale, `one of ${COLOR_SCALES.join(', ')}`);
  }

  const result: ColormapState = { map, scale };
  for (const [field, key] of [
    ['min', 'cmin'],
    ['max', 'cmax'],
  ] as const) {
    const value = colormap[field];
    if (value === undefined) {
      continue;
    }
    const rejected = raw.get(key) ?? value;
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
      throw new ValidationError(key, rejected, `a finite number of magnitude at most ${FLOAT32_MAX} (the float32 range), or no ${key} for an automatic end`);
    }
    if (scale === 'log' && value < FLOAT32_MIN_NORMAL) {
      throw new ValidationError(key, rejected, `a number ≥ ${FLOAT32_MIN_NORMAL} (the smallest normal float32) on the log colour scale`);
    }
    result[field] = value;
  }
  if (result.min !== undefined && result.max !== undefined && !(result.min < result.max)) {
    throw new ValidationError('cmax', raw.get('cmax') ?? result.max, `a number > cmin = ${formatNumber(result.min)}`);
  }
  return result;
}

function validateAxisPairs(key: 'hist' | 'fut', pairs: AxisPair[], view: View, raw: ReadonlyMap<string, string>): AxisPair[] {
  if (!Array.isArray(pairs)) {
    throw new ValidationError(key, pairs, 'a list of axis pairs');
  }
  if (pairs.length > MAX_HISTORY_ENTRIES) {
    throw new ValidationError(
      key,
      `${pairs.length} entries`,
      `at most ${MAX_HISTORY_ENTRIES} entries (MAX_HISTORY_ENTRIES, which keeps links under 7,000 characters). Drop the oldest entries`,
    );
  }
  const entryTexts = raw.get(key)?.split(';');
  return pairs.map((pair, index) => {
    try {
      // The current view with the entry's axes must itself be a valid view.
      const restored = createView({ experiment: view.experiment, x: pair?.x, y: pair?.y, columns: view.columns, rows: view.rows, samples: view.samples });
      return { x: restored.x, y: restored.y };
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        throw error;
      }
      throw new ValidationError(key, entryTexts?.[index] ?? pair, `${error.allowed} for ${error.field} in entry ${index + 1} (entries count from the oldest)`);
    }
  });
}

function validateDebug(debug: DebugState, raw: ReadonlyMap<string, string>): DebugState {
  if (typeof debug !== 'object' || debug === null) {
    throw new ValidationError('engine', debug, 'a debug object {engine, precision, showTiles?}');
  }
  const engine = debug.engine;
  if (!(ENGINE_CHOICES as readonly string[]).includes(engine)) {
    throw new ValidationError('engine', raw.get('engine') ?? engine, `one of ${ENGINE_CHOICES.join(', ')}`);
  }
  // A state saved before the precision existed has none, and renders as auto did then.
  const precision = debug.precision ?? 'auto';
  if (!(REQUESTED_PRECISIONS as readonly string[]).includes(precision)) {
    throw new ValidationError('precision', raw.get('precision') ?? precision, `one of ${REQUESTED_PRECISIONS.join(', ')}`);
  }
  if (engine === 'cpu' && precision !== 'auto' && precision !== 'float64') {
    throw new ValidationError('precision', raw.get('precision') ?? precision, 'auto or float64 with engine=cpu, because float32 and df64 run only in the WebGPU kernels');
  }
  const result: DebugState = { engine, precision };
  if (debug.showTiles !== undefined) {
    if (typeof debug.showTiles !== 'boolean') {
      throw new ValidationError('tiles', debug.showTiles, 'true or false');
    }
    result.showTiles = debug.showTiles;
  }
  return result;
}

/** Copies a validated view into the canonical ViewInput: every field explicit, nothing shared. */
function canonicalViewInput(view: View): ViewInput {
  const e = view.experiment;
  return {
    experiment: {
      width: e.width,
      parameterization: e.parameterization,
      inputNorm: e.inputNorm,
      target: e.target,
      sigmaU: e.sigmaU,
      sigmaV: e.sigmaV,
      learningRate: e.learningRate,
      steps: e.steps,
      init: { ...e.init },
    },
    x: { ...view.x },
    y: { ...view.y },
    columns: view.columns,
    rows: view.rows,
    samples: view.samples,
  };
}

// ---------------------------------------------------------------------------
// Query syntax.

/**
 * Splits the query into a map from key to value. Empty parts (`a=1&&b=2`) are
 * skipped, a part without `=` has the value "", and `x-` keys are dropped.
 */
function parseQuery(query: string): Map<string, string> {
  const body = query.startsWith('?') ? query.slice(1) : query;
  const pairs: Array<[string, string]> = [];
  for (const part of body.split('&')) {
    if (part === '') {
      continue;
    }
    const equals = part.indexOf('=');
    const rawKey = equals < 0 ? part : part.slice(0, equals);
    const rawValue = equals < 0 ? '' : part.slice(equals + 1);
    const key = percentDecode(rawKey, rawKey, part);
    pairs.push([key, percentDecode(key, rawValue, part)]);
  }

  // The version comes first, so that a newer link fails on `v`, not on a key it added.
  const versions = pairs.filter(([key]) => key === 'v').map(([, value]) => value);
  if (versions.length > 1) {
    throw new ValidationError('v', versions, 'the key v at most once');
  }
  if (versions.length === 1 && !SUPPORTED_URL_STATE_VERSIONS.map(String).includes(versions[0]!)) {
    throw new ValidationError(
      'v',
      versions[0],
      `a link format version this release reads: ${SUPPORTED_URL_STATE_VERSIONS.join(', ')}. Open the link in the release of eos-atlas that wrote it`,
    );
  }

  const known = new Set<string>(URL_STATE_KEYS);
  const values = new Map<string, string>();
  for (const [key, value] of pairs) {
    if (key.startsWith(EXTENSION_KEY_PREFIX)) {
      continue;
    }
    if (!known.has(key)) {
      const error = new ValidationError(key, value, `one of the keys ${URL_STATE_KEYS.join(', ')}, or a key starting with "${EXTENSION_KEY_PREFIX}" (ignored)`);
      error.message = `Unknown key ${JSON.stringify(key)} (keys are case-sensitive). Expected ${error.allowed}. docs/url-state.md lists them.`;
      throw error;
    }
    const earlier = values.get(key);
    if (earlier !== undefined) {
      const all = pairs.filter(([other]) => other === key).map(([, repeated]) => repeated);
      throw new ValidationError(key, all, `the key ${key} at most once. Remove all but one`);
    }
    values.set(key, value);
  }
  return values;
}

function percentDecode(key: string, text: string, part: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ValidationError(key, part, 'valid percent-encoding: % followed by two hexadecimal digits of UTF-8');
  }
}

/** Decimal notation: optional minus, digits with an optional point, optional exponent. */
const NUMBER_PATTERN = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses one decimal number. `urlValue` is the key's whole value, which an error quotes. */
function parseNumber(key: string, text: string, urlValue: string): number {
  if (!NUMBER_PATTERN.test(text)) {
    throw new ValidationError(key, urlValue, `a decimal number such as 0.5, -2 or 1e-3 in place of ${JSON.stringify(text)} (NaN, Infinity and hexadecimal are not allowed)`);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new ValidationError(key, urlValue, `a finite number in place of ${JSON.stringify(text)}, within ±${Number.MAX_VALUE}`);
  }
  return value;
}

/** Reads `s`: a number, or a preset name (NTP, muP) that createExperiment resolves. */
function decodeParameterization(text: string | undefined): ExperimentInput['parameterization'] {
  if (text === undefined) {
    return undefined;
  }
  if (Object.hasOwn(PARAMETERIZATION_PRESETS, text)) {
    return text as keyof typeof PARAMETERIZATION_PRESETS;
  }
  if (!NUMBER_PATTERN.test(text)) {
    const presets = Object.entries(PARAMETERIZATION_PRESETS).map(([name, s]) => `${name} (s = ${s})`);
    throw new ValidationError('s', text, `a number in [0, 1] or a preset name: ${presets.join(', ')}`);
  }
  return parseNumber('s', text, text);
}

function decodeInitialization(raw: ReadonlyMap<string, string>, number: (key: UrlStateKey) => number | undefined): Initialization {
  const kind = raw.get('init') ?? DEFAULT_APP_STATE.view.experiment!.init!.kind;
  const fieldsOf: Record<string, readonly UrlStateKey[]> = { typical: [], explicit: ['f0', 'lambda0'], sampled: ['seed'] };
  if (!Object.hasOwn(fieldsOf, kind)) {
    throw new ValidationError('init', kind, '"typical", "explicit" or "sampled"');
  }
  const fields = fieldsOf[kind]!;
  for (const key of ['f0', 'lambda0', 'seed'] as const) {
    if (raw.has(key) && !fields.includes(key)) {
      throw new ValidationError(key, raw.get(key), `no ${key} with init=${kind}, because f0 and lambda0 belong to init=explicit and seed to init=sampled`);
    }
    if (!raw.has(key) && fields.includes(key)) {
      throw missingKey(key, `a number, because init=${kind} needs ${fields.join(' and ')}`);
    }
  }
  switch (kind) {
    case 'explicit':
      return { kind, f0: number('f0')!, lambda0: number('lambda0')! };
    case 'sampled':
      return { kind, seed: number('seed')! };
    default:
      return { kind: 'typical' };
  }
}

/** Parses `parameter,min,max,scale`. createView checks the parameter, the range and the scale. */
function parseAxis(key: string, text: string, urlValue = text): Axis {
  const parts = text.split(',');
  if (parts.length !== 4) {
    throw new ValidationError(key, urlValue, 'an axis as parameter,min,max,scale, for example etaRatio,0.05,2.2,linear');
  }
  const [parameter, min, max, scale] = parts as [string, string, string, string];
  return {
    parameter: parameter as Axis['parameter'],
    min: parseNumber(key, min, urlValue),
    max: parseNumber(key, max, urlValue),
    scale: scale as Axis['scale'],
  };
}

/** Parses `COLUMNSxROWS`, for example `256x256`. */
function parseResolution(text: string, key: 'res' | 'bres' = 'res'): { columns: number; rows: number } {
  const parts = text.split('x');
  if (parts.length !== 2) {
    throw new ValidationError(key, text, 'COLUMNSxROWS, two integers ≥ 1 joined by x, for example 256x256');
  }
  return { columns: parseNumber(key, parts[0]!, text), rows: parseNumber(key, parts[1]!, text) };
}

/** Parses entries `xaxis:yaxis` joined by `;`. */
function parseAxisPairs(key: 'hist' | 'fut', text: string): AxisPair[] {
  return text.split(';').map((entry, index) => {
    const axes = entry.split(':');
    if (axes.length !== 2) {
      throw new ValidationError(
        key,
        entry,
        `entry ${index + 1} as xaxis:yaxis, each axis parameter,min,max,scale, entries joined by ";", for example etaRatio,0.05,2.2,linear:sigmaW,0.1,2,linear`,
      );
    }
    return { x: parseAxis(key, axes[0]!, entry), y: parseAxis(key, axes[1]!, entry) };
  });
}

/** Reads the diagram keys; returns undefined when none is present (the panel is closed). */
function decodeDiagramPanel(raw: ReadonlyMap<string, string>, number: (key: UrlStateKey) => number | undefined): DiagramPanelState | undefined {
  const keys = ['bq', 'by', 'bx', 'brow', 'bres', 'bsteps', 'bsamples', 'btone'] as const;
  const present = keys.filter((key) => raw.has(key));
  if (present.length === 0) {
    return undefined;
  }
  if (!raw.has('bq')) {
    throw missingKey('bq', `a quantity (${DIAGRAM_QUANTITIES.join(', ')}), because ${present.join(', ')} set the bifurcation diagram, which bq opens`);
  }

  const defaults = DEFAULT_DIAGRAM_PANEL;
  const panel: DiagramPanelState = {
    quantity: raw.get('bq') as DiagramQuantity,
    y: raw.has('by') ? parseRange('by', raw.get('by')!) : { ...defaults.y },
    columns: defaults.columns,
    rows: defaults.rows,
    transient: defaults.transient,
    recorded: defaults.recorded,
    samples: number('bsamples') ?? defaults.samples,
    tone: { ...defaults.tone },
  };

  if (raw.has('bx')) {
    panel.x = parseRange('bx', raw.get('bx')!);
  }

  const row = number('brow');
  if (row !== undefined) {
    panel.row = row;
  }

  if (raw.has('bres')) {
    const resolution = parseResolution(raw.get('bres')!, 'bres');
    panel.columns = resolution.columns;
    panel.rows = resolution.rows;
  }

  if (raw.has('bsteps')) {
    const text = raw.get('bsteps')!;
    const parts = text.split(',');
    if (parts.length !== 2) {
      throw new ValidationError('bsteps', text, 'TRANSIENT,RECORDED, two step counts joined by a comma, for example 1000,1000');
    }
    panel.transient = parseNumber('bsteps', parts[0]!, text);
    panel.recorded = parseNumber('bsteps', parts[1]!, text);
  }

  if (raw.has('btone')) {
    const text = raw.get('btone')!;
    const parts = text.split(',');
    if (parts.length !== 4 || (parts[3] !== '0' && parts[3] !== '1')) {
      throw new ValidationError('btone', text, 'MAPPING,GAMMA,MAP,INVERT, for example log,0.5,heat,0 (INVERT is 0 or 1)');
    }
    panel.tone = {
      mapping: parts[0] as ToneMapping,
      gamma: parseNumber('btone', parts[1]!, text),
      map: parts[2] as ColormapName,
      invert: parts[3] === '1',
    };
  }

  return panel;
}

/** Parses `min,max,scale`. createDiagram checks the range and the scale. */
function parseRange(key: 'bx' | 'by', text: string): DiagramRange {
  const parts = text.split(',');
  if (parts.length !== 3) {
    throw new ValidationError(key, text, 'a range as min,max,scale, for example 0,3,linear');
  }
  return { min: parseNumber(key, parts[0]!, text), max: parseNumber(key, parts[1]!, text), scale: parts[2] as DiagramRange['scale'] };
}

function formatRange(range: DiagramRange): string {
  return `${formatNumber(range.min)},${formatNumber(range.max)},${range.scale}`;
}

function formatDiagramPairs(panel: DiagramPanelState): Array<[UrlStateKey, string]> {
  const pairs: Array<[UrlStateKey, string]> = [
    ['bq', panel.quantity],
    ['by', formatRange(panel.y)],
  ];
  if (panel.x !== undefined) {
    pairs.push(['bx', formatRange(panel.x)]);
  }
  if (panel.row !== undefined) {
    pairs.push(['brow', formatNumber(panel.row)]);
  }
  const tone = panel.tone;
  pairs.push(
    ['bres', `${formatNumber(panel.columns)}x${formatNumber(panel.rows)}`],
    ['bsteps', `${formatNumber(panel.transient)},${formatNumber(panel.recorded)}`],
    ['bsamples', formatNumber(panel.samples)],
    ['btone', `${tone.mapping},${formatNumber(tone.gamma)},${tone.map},${tone.invert ? 1 : 0}`],
  );
  return pairs;
}

/** Writes a number so that Number() reads back the same double, without a `+` (a space in form encoding). */
function formatNumber(value: number): string {
  if (Object.is(value, -0)) {
    return '-0';
  }
  return String(value).replace('e+', 'e');
}

function formatAxis(axis: Axis): string {
  return `${axis.parameter},${formatNumber(axis.min)},${formatNumber(axis.max)},${axis.scale}`;
}

function formatAxisPairs(pairs: readonly AxisPair[]): string {
  return pairs.map((pair) => `${formatAxis(pair.x)}:${formatAxis(pair.y)}`).join(';');
}

function missingKey(key: string, allowed: string): ValidationError {
  const error = new ValidationError(key, undefined, allowed);
  error.message = `Missing ${key}. Expected ${allowed}.`;
  return error;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) {
      deepFreeze(child);
    }
    Object.freeze(value);
  }
  return value;
}
