/**
 * `<eos-view-controls>`: the form for the experiment, the axes, the resolution
 * and the display. Each change is validated with the core's own checks. An
 * invalid value is shown next to its field with the reason and never leaves the
 * form. Valid changes are sent as `state-changed` with the whole new state.
 */
import { css, html, LitElement, type PropertyValues } from 'lit';
import { COLORMAPS, COLORMAP_NAMES, COLOR_SCALES, defaultColormapForLayer } from '../core/colormaps.ts';
import { ValidationError } from '../core/errors.ts';
import { LAYERS, LAYER_NAMES, type LayerName } from '../core/layers.ts';
import { ENGINE_CHOICES, type AppState } from '../core/url-state.ts';
import { REQUESTED_PRECISIONS, type RequestedPrecision } from '../core/precision.ts';
import { defaultScaleForLayer } from '../core/colorize-options.ts';
import { AXIS_LABELS, AXIS_PARAMETERS, createView, type Axis, type AxisParameter, type ViewInput } from '../core/view.ts';

/** Labels of the engine choices in the form. */
const ENGINE_LABELS: Record<AppState['debug']['engine'], string> = {
  auto: 'auto (WebGPU, else CPU)',
  webgpu: 'WebGPU only',
  cpu: 'CPU, float64',
};

/** Labels of the precision choices in the form. */
const PRECISION_LABELS: Record<RequestedPrecision, string> = {
  auto: 'auto (cheapest that resolves)',
  float32: 'float32 (WebGPU)',
  df64: 'df64, about 44 bits (WebGPU)',
  float64: 'float64 (CPU)',
};

/** Form fields, each a string as typed. */
type Draft = Record<string, string>;

function draftFromState(state: AppState): Draft {
  const experiment = state.view.experiment ?? {};
  const init = experiment.init ?? { kind: 'typical' };
  const text = (value: number | string | undefined) => (value === undefined ? '' : String(value));
  return {
    width: text(experiment.width ?? 1024),
    parameterization: text(experiment.parameterization ?? 'muP'),
    inputNorm: text(experiment.inputNorm ?? 1),
    target: text(experiment.target ?? 1),
    sigmaU: text(experiment.sigmaU ?? experiment.sigmaW ?? 1),
    sigmaV: text(experiment.sigmaV ?? experiment.sigmaW ?? 1),
    learningRate: text(experiment.learningRate ?? 0.5),
    steps: text(experiment.steps ?? 1000),
    'init.kind': init.kind,
    'init.f0': init.kind === 'explicit' ? text(init.f0) : '0',
    'init.lambda0': init.kind === 'explicit' ? text(init.lambda0) : '2',
    'init.seed': init.kind === 'sampled' ? text(init.seed) : '1',
    samples: text(state.view.samples ?? 1),
    columns: text(state.view.columns),
    rows: text(state.view.rows),
    'x.parameter': state.view.x.parameter,
    'x.min': text(state.view.x.min),
    'x.max': text(state.view.x.max),
    'x.scale': state.view.x.scale,
    'y.parameter': state.view.y.parameter,
    'y.min': text(state.view.y.min),
    'y.max': text(state.view.y.max),
    'y.scale': state.view.y.scale,
    layer: state.layer,
    map: state.colormap.map,
    scale: state.colormap.scale,
    min: text(state.colormap.min),
    max: text(state.colormap.max),
    engine: state.debug.engine,
    precision: state.debug.precision,
  };
}

/** Parses a numeric field; an empty or malformed value is a ValidationError on that field. */
function number(draft: Draft, field: string): number {
  const raw = (draft[field] ?? '').trim();
  const value = raw === '' ? NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw new ValidationError(field, draft[field], 'a finite number');
  }
  return value;
}

function optionalNumber(draft: Draft, field: string): number | undefined {
  return (draft[field] ?? '').trim() === '' ? undefined : number(draft, field);
}

/** Builds and validates a state from the form. Throws a ValidationError naming the field. */
/**
 * Returns every invalid field of a draft, one ValidationError each, so that a second
 * bad field does not hide the first. stateFromDraft stops at the first error. So each
 * field found at fault goes back to its value in `previous`, and the draft is checked
 * again, until it passes or an error names no field of the form.
 */
export function draftErrors(draft: Draft, previous: AppState): ValidationError[] {
  const errors: ValidationError[] = [];
  const accepted = draftFromState(previous);
  let probe = draft;
  for (;;) {
    try {
      stateFromDraft(probe, previous);
      return errors;
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        throw error;
      }
      errors.push(error);
      const field = error.field;
      const fallback = accepted[field];
      if (fallback === undefined || !(field in probe) || probe[field] === fallback || errors.length > Object.keys(probe).length) {
        return errors;
      }
      probe = { ...probe, [field]: fallback };
    }
  }
}

export function stateFromDraft(draft: Draft, previous: AppState): AppState {
  const parameterizationText = (draft.parameterization ?? '').trim();
  const numeric = Number(parameterizationText);
  const initKind = draft['init.kind'];
  const init =
    initKind === 'explicit'
      ? { kind: 'explicit' as const, f0: number(draft, 'init.f0'), lambda0: number(draft, 'init.lambda0') }
      : initKind === 'sampled'
        ? { kind: 'sampled' as const, seed: number(draft, 'init.seed') }
        : { kind: 'typical' as const };
  const axis = (name: 'x' | 'y'): Axis => ({
    parameter: draft[`${name}.parameter`] as AxisParameter,
    min: number(draft, `${name}.min`),
    max: number(draft, `${name}.max`),
    scale: draft[`${name}.scale`] === 'log' ? 'log' : 'linear',
  });
  const view: ViewInput = {
    experiment: {
      width: number(draft, 'width'),
      parameterization: parameterizationText !== '' && Number.isFinite(numeric) ? numeric : (parameterizationText as 'NTP'),
      inputNorm: number(draft, 'inputNorm'),
      target: number(draft, 'target'),
      sigmaU: number(draft, 'sigmaU'),
      sigmaV: number(draft, 'sigmaV'),
      learningRate: number(draft, 'learningRate'),
      steps: number(draft, 'steps'),
      init,
    },
    x: axis('x'),
    y: axis('y'),
    columns: number(draft, 'columns'),
    rows: number(draft, 'rows'),
    samples: number(draft, 'samples'),
  };
  // createView names experiment fields without a prefix, as the form does.
  createView(view);

  const layer = draft.layer as LayerName;
  const map = draft.map as AppState['colormap']['map'];
  const expected = defaultColormapForLayer(layer);
  const info = COLORMAPS[map];
  if (expected.mode !== 'continuous' && map !== expected.map) {
    throw new ValidationError('map', map, `the "${expected.map}" map for the ${layer} layer`);
  }
  if (expected.mode === 'continuous' && info.kind === 'categorical') {
    throw new ValidationError('map', map, 'a sequential or diverging map for a continuous layer');
  }
  const scale = draft.scale as AppState['colormap']['scale'];
  const min = optionalNumber(draft, 'min');
  const max = optionalNumber(draft, 'max');
  if (min !== undefined && max !== undefined && !(min < max)) {
    throw new ValidationError('max', max, `a number > min = ${min}`);
  }
  if (scale === 'log' && min !== undefined && !(min > 0)) {
    throw new ValidationError('min', min, 'a number > 0 on a logarithmic colour scale');
  }
  const viewChanged = JSON.stringify(view) !== JSON.stringify(previous.view);
  const engine = (ENGINE_CHOICES as readonly string[]).includes(draft.engine ?? '') ? (draft.engine as AppState['debug']['engine']) : previous.debug.engine;
  const precision = (REQUESTED_PRECISIONS as readonly string[]).includes(draft.precision ?? '') ? (draft.precision as RequestedPrecision) : previous.debug.precision;
  if (engine === 'cpu' && precision !== 'auto' && precision !== 'float64') {
    throw new ValidationError('precision', precision, 'auto or float64 with the CPU engine, because float32 and df64 run only in the WebGPU kernels');
  }
  return {
    ...previous,
    debug: { ...previous.debug, engine, precision },
    view,
    layer,
    colormap: { map, scale, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) },
    // Editing the view by hand starts a new zoom history.
    history: viewChanged ? [] : previous.history,
    future: viewChanged ? [] : previous.future,
  };
}

export class ViewControls extends LitElement {
  static override properties = {
    state: { attribute: false },
    draft: { state: true },
    errors: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font: 13px system-ui, sans-serif;
    }
    fieldset {
      border: 1px solid #ccc;
      margin: 0 0 8px;
      padding: 6px 8px;
    }
    legend {
      font-weight: 600;
    }
    label {
      display: grid;
      grid-template-columns: 9em 1fr;
      align-items: center;
      margin: 2px 0;
    }
    input,
    select {
      font: inherit;
      min-width: 0;
    }
    .error {
      color: #b00020;
      font-size: 12px;
      margin: 0 0 4px 9em;
    }
    [aria-invalid='true'] {
      outline: 2px solid #b00020;
    }
  `;

  declare state: AppState | undefined;
  declare draft: Draft;
  /** The draft's invalid fields, one error each, in the order the form checks them. */
  declare errors: ValidationError[];

  constructor() {
    super();
    this.state = undefined;
    this.draft = {};
    this.errors = [];
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('state') && this.state !== undefined) {
      this.draft = draftFromState(this.state);
      this.errors = [];
    }
  }

  override render() {
    if (this.state === undefined) {
      return null;
    }
    const parameterOptions = (selected: string) =>
      AXIS_PARAMETERS.map((parameter) => html`<option value=${parameter} ?selected=${parameter === selected}>${AXIS_LABELS[parameter]}</option>`);
    const draft = this.draft;
    return html`
      <fieldset>
        <legend>Experiment</legend>
        ${this.field('width', 'width n')} ${this.field('parameterization', 's (NTP, muP or 0 … 1)')}
        ${this.field('inputNorm', 'input norm |x|')} ${this.field('target', 'target y')} ${this.field('sigmaU', 'σ_U')}
        ${this.field('sigmaV', 'σ_v')} ${this.field('learningRate', 'η (when no axis sets it)')} ${this.field('steps', 'steps')}
        ${this.select('init.kind', 'initialization', ['typical', 'explicit', 'sampled'])}
        ${draft['init.kind'] === 'explicit' ? html`${this.field('init.f0', 'f₀')} ${this.field('init.lambda0', 'λ₀')}` : null}
        ${draft['init.kind'] === 'sampled' ? html`${this.field('init.seed', 'seed')} ${this.field('samples', 'samples per pixel')}` : null}
      </fieldset>
      <fieldset>
        <legend>Axes</legend>
        ${(['x', 'y'] as const).map(
          (name) => html`
            <label
              >${name} axis
              <select name="${name}.parameter" @change=${this.onChange}>
                ${parameterOptions(draft[`${name}.parameter`] ?? '')}
              </select></label
            >
            ${this.errorFor(`${name}.parameter`)} ${this.field(`${name}.min`, `${name} min`)} ${this.field(`${name}.max`, `${name} max`)}
            ${this.select(`${name}.scale`, `${name} scale`, ['linear', 'log'])}
          `,
        )}
        ${this.field('columns', 'columns')} ${this.field('rows', 'rows')}
      </fieldset>
      <fieldset>
        <legend>Display</legend>
        ${this.select('layer', 'layer', [...LAYER_NAMES], (layer) => LAYERS[layer as LayerName].label)}
        ${this.select('map', 'colour map', [...COLORMAP_NAMES], (name) => COLORMAPS[name as keyof typeof COLORMAPS].label)}
        ${this.select('scale', 'colour scale', [...COLOR_SCALES])} ${this.field('min', 'min (blank: auto)')}
        ${this.field('max', 'max (blank: auto)')}
        ${this.select('engine', 'engine', [...ENGINE_CHOICES], (choice) => ENGINE_LABELS[choice as AppState['debug']['engine']])}
        ${this.select('precision', 'precision', [...REQUESTED_PRECISIONS], (choice) => PRECISION_LABELS[choice as RequestedPrecision])}
      </fieldset>
      ${this.errors
        .filter((error) => !this.isShownAtField(error.field))
        .map((error) => html`<div class="error" role="alert" data-field=${error.field}>${error.message}</div>`)}
    `;
  }

  private field(name: string, label: string) {
    const invalid = this.errors.some((error) => error.field === name);
    return html`<label
        >${label}
        <input name=${name} .value=${this.draft[name] ?? ''} aria-invalid=${invalid ? 'true' : 'false'} @change=${this.onChange}
      /></label>
      ${this.errorFor(name)}`;
  }

  private select(name: string, label: string, options: string[], display: (value: string) => string = (value) => value) {
    return html`<label
        >${label}
        <select name=${name} @change=${this.onChange}>
          ${options.map((option) => html`<option value=${option} ?selected=${option === this.draft[name]}>${display(option)}</option>`)}
        </select></label
      >
      ${this.errorFor(name)}`;
  }

  private errorFor(name: string) {
    const error = this.errors.find((candidate) => candidate.field === name);
    return error === undefined ? null : html`<div class="error" role="alert" data-field=${name}>${error.message}</div>`;
  }

  private isShownAtField(field: string): boolean {
    return this.renderRoot.querySelector(`[name="${CSS.escape(field)}"]`) !== null;
  }

  private onChange(event: Event): void {
    const target = event.target as HTMLInputElement | HTMLSelectElement;
    const draft = { ...this.draft, [target.name]: target.value };
    // A new layer brings its default colour map and an automatic range.
    if (target.name === 'layer') {
      const suggested = defaultColormapForLayer(target.value as LayerName);
      draft.map = suggested.map;
      draft.scale = defaultScaleForLayer(target.value as LayerName);
      draft.min = '';
      draft.max = '';
    }
    this.draft = draft;
    const errors = draftErrors(draft, this.state!);
    this.errors = errors;
    if (errors.length === 0) {
      this.dispatchEvent(new CustomEvent<AppState>('state-changed', { detail: stateFromDraft(draft, this.state!), bubbles: true, composed: true }));
    }
  }
}

customElements.define('eos-view-controls', ViewControls);

declare global {
  interface HTMLElementTagNameMap {
    'eos-view-controls': ViewControls;
  }
}
