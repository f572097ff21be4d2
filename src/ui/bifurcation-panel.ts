/**
 * `<eos-bifurcation-panel>`: the bifurcation diagram of the phase map's
 * experiment along its learning-rate axis, at the map's row under the pointer.
 * It renders the counts with the page's engine (a @lit/task, cancelled when the
 * settings change), tone-maps them on the host, and shows the settings form.
 * Settings changes go to the page as `diagram-changed` and live in the URL.
 */
import { Task, TaskStatus } from '@lit/task';
import { css, html, LitElement } from 'lit';
import {
  DIAGRAM_QUANTITIES,
  DIAGRAM_QUANTITY_LABELS,
  chooseDiagramPrecision,
  defaultDiagramRange,
  diagramExperiment,
  diagramPrecisionProblem,
  occupiedValueRange,
  type DiagramRange,
  type BifurcationDiagram,
  type DiagramQuantity,
} from '../core/bifurcation-diagram.ts';
import { COLORMAPS, COLORMAP_NAMES } from '../core/colormaps.ts';
import { lostColumns, maxCount, TONE_MAPPINGS, toneMapDensity } from '../core/density-tone.ts';
import { diagramForView, type DiagramPanelState } from '../core/diagram-state.ts';
import { ValidationError } from '../core/errors.ts';
import type { Experiment } from '../core/experiment.ts';
import { AXIS_LABELS, type View } from '../core/view.ts';
import { renderDiagram, type DiagramProgress, type DiagramRender } from '../gpu/diagram-engine.ts';
import type { Engine } from '../gpu/engine.ts';
import type { Precision, RequestedPrecision } from '../core/precision.ts';
import './bifurcation-diagram.ts';
import type { DiagramImage, DiagramMark, DiagramRangeRequest } from './bifurcation-diagram.ts';
import { axisFraction } from './view-geometry.ts';
import { locateCascade, type CascadeReport } from '../core/cascade.ts';
import { nextDoublingFrame } from '../core/doubling-frame.ts';
import type { RateParameter } from '../core/rate-parameter.ts';
import { createCpuOrbitEvaluator, createGpuOrbitEvaluator, type EngineOrbitEvaluator } from '../gpu/orbit-evaluators.ts';
import type { PngExportRequest } from './export-panel.ts';
import { MAX_EXPORT_SIDE } from './export-image.ts';

/** Detail of `trajectory-requested`: an experiment to show in the trajectory inspector. */
export interface TrajectoryRequest {
  experiment: Experiment;
  label: string;
}

/** Sequential maps, the ones that suit counts. */
const DENSITY_MAPS = COLORMAP_NAMES.filter((name) => COLORMAPS[name].kind === 'sequential');

export class BifurcationPanel extends LitElement {
  static override properties = {
    engine: { attribute: false },
    view: { attribute: false },
    panel: { attribute: false },
    cursor: { attribute: false },
    exportMessage: { attribute: false },
    precision: { attribute: false },
    exporting: { attribute: false },
    progress: { state: true },
    finder: { state: true },
    formError: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font: 13px system-ui, sans-serif;
      margin-top: 12px;
      max-width: 600px;
    }
    h2 {
      font-size: 15px;
      margin: 0 0 4px;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 10px;
      align-items: center;
      margin: 4px 0;
    }
    input[type='number'] {
      width: 6em;
      font: inherit;
    }
    select,
    button {
      font: inherit;
    }
    .status {
      font: 12px ui-monospace, monospace;
      white-space: pre-wrap;
    }
    .error {
      color: #b00020;
    }
    table.doublings {
      font: 12px ui-monospace, monospace;
      border-collapse: collapse;
      margin: 4px 0;
    }
    table.doublings th,
    table.doublings td {
      padding: 1px 8px 1px 0;
      text-align: left;
    }
  `;

  declare engine: Engine | undefined;
  /** The phase map's view, whose experiment and axes the diagram shares. */
  declare view: View | undefined;
  declare panel: DiagramPanelState;
  /** Value of the x parameter for the vertical cursor. */
  declare cursor: number | undefined;
  /** Arithmetic requested on the page (the `precision` URL key); `auto` takes the cheapest that resolves the diagram. */
  declare precision: RequestedPrecision;
  /** Status of the last PNG export, from the page. */
  declare exportMessage: string;
  /** Whether the page is exporting the diagram. */
  declare exporting: boolean;
  declare progress: DiagramProgress | undefined;
  declare formError: string;
  /** The last search for doublings, with the key of the experiment, row and axis it searched. */
  declare finder: FinderState | undefined;
  private finderController: AbortController | undefined;

  /** The diagram on display and its counts; it changes only when a render completes. */
  private shownDiagram: { diagram: BifurcationDiagram; render: DiagramRender } | undefined;
  /** Tone-mapped pixels of `shownDiagram`, kept while neither the counts nor the tone options change. */
  private toned: { render: DiagramRender; tone: string; pixels: Uint8ClampedArray } | undefined;

  private readonly renderTask = new Task(this, {
    task: async ([engine, key, precision], { signal }) => {
      if (engine === undefined || key === '') {
        return undefined;
      }
      const diagram = JSON.parse(key) as BifurcationDiagram;
      let render: DiagramRender;
      try {
        render = await renderDiagram(engine, diagram, { signal, precision, onProgress: (progress) => (this.progress = progress) });
      } finally {
        // A failed or cancelled render must not leave its progress bar in place of the message.
        this.progress = undefined;
      }
      this.shownDiagram = { diagram, render };
      this.dispatchEvent(new CustomEvent('diagram-rendered', { bubbles: true, composed: true }));
      return render;
    },
    args: () => [this.engine, this.diagramKey(), this.precision] as const,
  });

  constructor() {
    super();
    this.engine = undefined;
    this.view = undefined;
    this.cursor = undefined;
    this.exportMessage = '';
    this.precision = 'auto';
    this.exporting = false;
    this.progress = undefined;
    this.formError = '';
    this.finder = undefined;
  }

  /** The diagram that the settings define, or the ValidationError that explains why there is none. */
  get diagram(): BifurcationDiagram | ValidationError | undefined {
    if (this.view === undefined || this.panel === undefined) {
      return undefined;
    }
    try {
      return diagramForView(this.view, this.panel);
    } catch (error) {
      if (error instanceof ValidationError) {
        return error;
      }
      throw error;
    }
  }

  /** `pending`, `complete` or `error`, also in the host's `data-render` attribute. */
  get renderState(): 'pending' | 'complete' | 'error' {
    const status = this.renderTask.status;
    if (status === TaskStatus.ERROR) {
      return 'error';
    }
    return status === TaskStatus.COMPLETE && this.renderTask.value !== undefined && this.progress === undefined ? 'complete' : 'pending';
  }

  /** The counts on display, for export and tests. */
  get shownRender(): { diagram: BifurcationDiagram; render: DiagramRender } | undefined {
    return this.shownDiagram;
  }

  private diagramKey(): string {
    const diagram = this.diagram;
    return diagram === undefined || diagram instanceof ValidationError ? '' : JSON.stringify(diagram);
  }

  override updated(): void {
    this.dataset.render = this.renderState;
  }

  override render() {
    const diagram = this.diagram;
    if (diagram instanceof ValidationError) {
      return html`<h2>Bifurcation diagram</h2>
        <p class="error" role="alert">${diagram.message}</p>`;
    }
    if (diagram === undefined) {
      return null;
    }
    const shown = this.shownDiagram;
    const image: DiagramImage | undefined =
      shown === undefined
        ? undefined
        : {
            x: shown.diagram.x,
            y: shown.diagram.y,
            columns: shown.diagram.columns,
            rows: shown.diagram.rows,
            pixels: this.tonedPixels(shown.render, shown.diagram.samples),
          };
    const fixed = diagram.fixed;
    return html`
      <h2>Bifurcation diagram</h2>
      <div class="row">
        ${fixed === undefined ? '' : `at ${AXIS_LABELS[fixed.parameter]} = ${format(fixed.value)} (the phase map's row under the pointer; rest the pointer on a row to change it)`}
      </div>
      <eos-bifurcation-diagram
        .image=${image}
        .axes=${{ x: diagram.x, y: diagram.y }}
        .yLabel=${DIAGRAM_QUANTITY_LABELS[diagram.quantity]}
        .cursor=${this.cursor}
        .marks=${this.finderMarks(diagram)}
        plotWidth="512"
        plotHeight="256"
        @range-requested=${this.onRangeRequested}
        @column-selected=${this.onColumnSelected}
      ></eos-bifurcation-diagram>
      ${this.renderStatus(diagram)} ${this.renderFinder(diagram)} ${this.renderForm(diagram)}
    `;
  }

  private renderFinder(diagram: BifurcationDiagram) {
    const finder = this.finder?.key === finderKey(diagram) ? this.finder : undefined;
    const running = this.finderController !== undefined;
    const report = finder?.report;
    const symbol = AXIS_LABELS[diagram.x.parameter];
    return html`
      <div class="row">
        <button ?disabled=${running || this.engine === undefined} @click=${() => this.locate(diagram, 'all')} title="Locate the doublings, the onset of chaos, the first period 3 and the first divergence in the x range">
          locate doublings
        </button>
        <button ?disabled=${running || this.engine === undefined} @click=${() => this.locate(diagram, 'next')} title="Frame the next level of the cascade: about 4.67 times narrower">
          zoom to next doubling
        </button>
        ${running ? html`<button @click=${() => this.finderController?.abort()}>cancel search</button>` : null}
      </div>
      ${finder === undefined ? null : html`<div class="status finder" aria-live="polite">${finder.status}</div>`}
      ${report === undefined || report.doublings.length === 0
        ? null
        : html`<table class="doublings">
            <thead>
              <tr><th>k</th><th>period</th><th>${symbol} ± error</th><th>δ_k ± error</th></tr>
            </thead>
            <tbody>
              ${report.doublings.map((doubling) => {
                const ratio = report.ratios.find((entry) => entry.k === doubling.k);
                return html`<tr>
                  <td>${doubling.k}</td>
                  <td>${doubling.fromPeriod} → ${doubling.toPeriod}</td>
                  <td>${formatWithError(doubling.value, doubling.error)}</td>
                  <td>${ratio === undefined ? '' : formatWithError(ratio.delta, ratio.error)}</td>
                </tr>`;
              })}
            </tbody>
          </table>`}
    `;
  }

  /** Labelled x positions of the last search's results, for the plot. */
  private finderMarks(diagram: BifurcationDiagram): DiagramMark[] {
    const report = this.finder?.key === finderKey(diagram) ? this.finder.report : undefined;
    if (report === undefined) {
      return [];
    }
    const marks: DiagramMark[] = report.doublings.map((doubling) => ({ value: doubling.value, label: String(doubling.toPeriod) }));
    // The transitions that end the cascade are labelled before the crowded deep doublings.
    if (report.chaosOnset !== undefined) {
      marks.push({ value: report.chaosOnset.value, label: 'chaos', priority: 1 });
    }
    if (report.period3 !== undefined) {
      marks.push({ value: report.period3.value, label: '3', priority: 1 });
    }
    if (report.divergence !== undefined) {
      marks.push({ value: report.divergence.value, label: 'diverges', priority: 1 });
    }
    // Other windows at their first sample; the refined period-3 opening has its own mark.
    for (const window of report.windows) {
      if (window.period !== 3 || report.period3 === undefined) {
        marks.push({ value: window.first, label: String(window.period) });
      }
    }
    return marks;
  }

  /**
   * Runs the cascade finder on the diagram's experiment and x range. Mode `all` locates
   * and marks every transition. Mode `next` locates the doublings only and frames the next level.
   */
  private async locate(diagram: BifurcationDiagram, mode: 'all' | 'next'): Promise<void> {
    const engine = this.engine;
    if (engine === undefined) {
      return;
    }
    const key = finderKey(diagram);
    const evaluator = orbitEvaluatorFor(engine, diagram);
    if (evaluator === undefined) {
      this.finder = { key, status: 'No column of the diagram has valid parameters, so there is nothing to search.' };
      return;
    }

    const controller = new AbortController();
    this.finderController = controller;
    let trajectories = 0;
    this.finder = { key, status: `Searching on ${evaluator.description}…` };
    const started = performance.now();
    try {
      const report = await locateCascade(evaluator.evaluate, {
        from: diagram.x.min,
        to: diagram.x.max,
        steps: FINDER_STEPS,
        resolution: evaluator.resolution,
        signal: controller.signal,
        chaosOnset: mode === 'all',
        period3: mode === 'all',
        divergence: mode === 'all',
        multiplierCheck: mode === 'all',
        // Framing needs the points only to a thousandth of the range.
        tolerance: mode === 'next' ? (diagram.x.max - diagram.x.min) * 1e-3 : 0,
        onBatch: (count) => {
          trajectories += count;
          this.finder = { key, status: `Searching on ${evaluator.description}: ${trajectories} trajectories so far…` };
        },
      });

      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const summary = `${report.doublings.length} doubling(s) located on ${evaluator.description}, ${report.evaluations} trajectories of ${FINDER_STEPS} steps in ${seconds} s. ${report.cascadeEnd}`;
      if (mode === 'all') {
        this.finder = { key, report, full: true, status: [summary, ...report.missing].join('\n') };
        return;
      }
      // A full search of the same experiment keeps its more precise table and marks.
      const shownReport = this.finder?.key === key && this.finder.report !== undefined && this.finder.full === true ? this.finder.report : report;
      const full = shownReport !== report;
      const frame = nextDoublingFrame(
        report.doublings.map((doubling) => ({ k: doubling.k, value: doubling.value })),
        diagram.x,
      );
      if (frame === undefined) {
        this.finder = {
          key,
          report: shownReport,
          full,
          status: `${summary}\nNo next level to frame: the range needs two consecutive doublings, and the detector sees periods up to 64 (k ≤ 6).`,
        };
        return;
      }
      this.finder = { key, report: shownReport, full, status: `${summary}\nFramed the doubling ${2 ** (frame.k - 1)} → ${2 ** frame.k}.` };
      // The vertical range follows the orbits that the current picture shows inside the frame.
      const shown = this.shownDiagram;
      const values = shown === undefined ? undefined : occupiedValueRange(shown.diagram, shown.render.density, frame.min, frame.max);
      const y = values === undefined || this.panel.y.scale === 'log' ? this.panel.y : paddedRange(values, this.panel.y);
      this.apply({ ...this.panel, x: { min: frame.min, max: frame.max, scale: 'linear' }, y });
    } catch (error) {
      const cancelled = error instanceof Error && error.name === 'AbortError';
      this.finder = { key, status: cancelled ? 'The search was cancelled.' : `The search failed: ${(error as Error).message}` };
    } finally {
      this.finderController = undefined;
      this.requestUpdate();
    }
  }

  private tonedPixels(render: DiagramRender, samples: number): Uint8ClampedArray {
    const tone = JSON.stringify(this.panel.tone);
    if (this.toned?.render !== render || this.toned.tone !== tone) {
      this.toned = { render, tone, pixels: toneMapDensity(render.density.counts, this.panel.tone, lostColumns(render.density, samples)) };
    }
    return this.toned.pixels;
  }

  private renderStatus(diagram: BifurcationDiagram) {
    const progress = this.progress;
    const error = this.renderTask.error;
    if (progress !== undefined) {
      return html`<div class="row">
        <progress max=${progress.total} value=${progress.done}></progress>
        <span>${Math.round((100 * progress.done) / progress.total)}%</span>
        <button @click=${() => this.renderTask.abort()}>cancel</button>
      </div>`;
    }
    if (error !== undefined && !(error instanceof Error && error.name === 'AbortError')) {
      return html`<div class="status error" role="alert">The diagram failed to render: ${(error as Error).message ?? String(error)}</div>`;
    }
    const shown = this.shownDiagram;
    if (shown === undefined) {
      return html`<div class="status">computing…</div>`;
    }
    const { density } = shown.render;
    const diverged = density.diverged.filter((count) => count > 0).length;
    const invalid = density.invalid.filter((count) => count > 0).length;
    return html`<div class="status">${[
      `${diagram.columns} × ${diagram.rows} cells, ${diagram.samples} trajector${diagram.samples === 1 ? 'y' : 'ies'} per column, ` +
        `${diagram.transient} transient + ${diagram.recorded} recorded steps, max count ${maxCount(density.counts)}`,
      `computed in ${shown.render.arithmetic} on ${shown.render.description}: ${(shown.render.elapsedMilliseconds / 1000).toFixed(2)} s` +
        (this.precision === 'auto' ? cheaperPrecisionReasons(diagram, shown.render.arithmetic) : ''),
      diverged > 0 ? `${diverged} column(s) with diverged trajectories; grey: every trajectory of the column diverged` : '',
      invalid > 0 ? `${invalid} column(s) with invalid parameters` : '',
    ]
      .filter((line) => line !== '')
      .join('\n')}</div>`;
  }

  private renderForm(diagram: BifurcationDiagram) {
    const panel = this.panel;
    const tone = panel.tone;
    return html`
      <div class="row">
        <label
          >quantity
          <select name="quantity" @change=${this.onQuantity}>
            ${DIAGRAM_QUANTITIES.map((name) => html`<option value=${name} ?selected=${name === panel.quantity}>${DIAGRAM_QUANTITY_LABELS[name]}</option>`)}
          </select></label
        >
        <label>y from <input type="number" name="yMin" step="any" .value=${String(diagram.y.min)} @change=${this.onForm} /></label>
        <label>to <input type="number" name="yMax" step="any" .value=${String(diagram.y.max)} @change=${this.onForm} /></label>
        <label
          >scale
          <select name="yScale" @change=${this.onForm}>
            ${['linear', 'log'].map((scale) => html`<option value=${scale} ?selected=${scale === diagram.y.scale}>${scale}</option>`)}
          </select></label
        >
        <button @click=${this.followMap} ?disabled=${panel.x === undefined} title="Use the phase map's x range again">follow map x range</button>
      </div>
      <div class="row">
        <label>columns <input type="number" name="columns" min="1" .value=${String(panel.columns)} @change=${this.onForm} /></label>
        <label>rows <input type="number" name="rows" min="1" .value=${String(panel.rows)} @change=${this.onForm} /></label>
        <label>samples <input type="number" name="samples" min="1" .value=${String(panel.samples)} @change=${this.onForm} /></label>
      </div>
      <div class="row">
        <label>transient steps <input type="number" name="transient" min="0" .value=${String(panel.transient)} @change=${this.onForm} /></label>
        <label>recorded steps <input type="number" name="recorded" min="1" .value=${String(panel.recorded)} @change=${this.onForm} /></label>
      </div>
      <div class="row">
        <label
          >tone
          <select name="mapping" @change=${this.onForm}>
            ${TONE_MAPPINGS.map((name) => html`<option value=${name} ?selected=${name === tone.mapping}>${name}</option>`)}
          </select></label
        >
        <label>γ <input type="number" name="gamma" step="any" min="0" .value=${String(tone.gamma)} ?disabled=${tone.mapping !== 'gamma'} @change=${this.onForm} /></label>
        <label
          >map
          <select name="map" @change=${this.onForm}>
            ${DENSITY_MAPS.map((name) => html`<option value=${name} ?selected=${name === tone.map}>${COLORMAPS[name].label}</option>`)}
          </select></label
        >
        <label><input type="checkbox" name="invert" .checked=${tone.invert} @change=${this.onForm} /> dark on light</label>
      </div>
      ${this.formError === '' ? null : html`<div class="error" role="alert">${this.formError}</div>`}
      <div class="row">
        <label>export <input type="number" name="exportWidth" min="1" max=${MAX_EXPORT_SIDE} .value=${String(panel.columns)} /></label>
        <label>× <input type="number" name="exportHeight" min="1" max=${MAX_EXPORT_SIDE} .value=${String(panel.rows)} /> cells</label>
        <label><input type="checkbox" name="exportDecorations" checked /> axes, title and key</label>
        <button ?disabled=${this.exporting} @click=${this.requestExport}>Export PNG</button>
      </div>
      ${this.exportMessage === '' ? null : html`<div class="status">${this.exportMessage}</div>`}
    `;
  }

  private requestExport(): void {
    const field = (name: string) => this.renderRoot.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
    const decorated = field('exportDecorations').checked;
    const detail: PngExportRequest = {
      width: Number(field('exportWidth').value),
      height: Number(field('exportHeight').value),
      decorations: { axes: decorated, title: decorated, colorbar: decorated },
    };
    this.dispatchEvent(new CustomEvent<PngExportRequest>('diagram-export-requested', { detail, bubbles: true, composed: true }));
  }

  private onQuantity(event: Event): void {
    const quantity = (event.target as HTMLSelectElement).value as DiagramQuantity;
    this.apply({ ...this.panel, quantity, y: defaultDiagramRange(quantity) });
  }

  /** Reads the whole form, validates it with the core and sends it when valid. */
  private onForm(): void {
    const field = (name: string) => this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`)!;
    const number = (name: string) => Number(field(name).value);
    const next: DiagramPanelState = {
      ...this.panel,
      y: { min: number('yMin'), max: number('yMax'), scale: field('yScale').value as 'linear' | 'log' },
      columns: number('columns'),
      rows: number('rows'),
      samples: number('samples'),
      transient: number('transient'),
      recorded: number('recorded'),
      tone: {
        mapping: field('mapping').value as DiagramPanelState['tone']['mapping'],
        gamma: number('gamma'),
        map: field('map').value as DiagramPanelState['tone']['map'],
        invert: (field('invert') as HTMLInputElement).checked,
      },
    };
    this.apply(next);
  }

  /**
   * Sends `next` to the page when it defines a valid diagram. Otherwise it shows why, under
   * the form's labels, and puts the form back to the current settings, so one rejected
   * value does not block the next change.
   */
  private apply(next: DiagramPanelState): boolean {
    if (this.view !== undefined) {
      try {
        diagramForView(this.view, next);
      } catch (error) {
        if (!(error instanceof ValidationError)) {
          throw error;
        }
        const label = FIELD_LABELS[error.field] ?? error.field;
        this.formError = `${label}: ${JSON.stringify(error.value)} is invalid. Expected ${error.allowed}.`;
        this.resetForm();
        return false;
      }
    }
    this.formError = '';
    this.dispatchEvent(new CustomEvent<DiagramPanelState>('diagram-changed', { detail: next, bubbles: true, composed: true }));
    return true;
  }

  /** Writes the current settings back into the form's fields. */
  private resetForm(): void {
    const panel = this.panel;
    const values: Record<string, string> = {
      yMin: String(panel.y.min),
      yMax: String(panel.y.max),
      yScale: panel.y.scale,
      columns: String(panel.columns),
      rows: String(panel.rows),
      samples: String(panel.samples),
      transient: String(panel.transient),
      recorded: String(panel.recorded),
      mapping: panel.tone.mapping,
      gamma: String(panel.tone.gamma),
      map: panel.tone.map,
    };
    for (const [name, value] of Object.entries(values)) {
      const field = this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`[name="${name}"]`);
      if (field !== null) {
        field.value = value;
      }
    }
  }

  /**
   * Applies a zoom or pan of the plot, unless no precision that the engine offers
   * resolves the new ranges. Then the diagram keeps its ranges and shows the reason,
   * as the phase map does at its precision limit.
   */
  private onRangeRequested(event: CustomEvent<DiagramRangeRequest>): void {
    const { x, y } = event.detail;
    const next = { ...this.panel, x: { min: x.min, max: x.max, scale: x.scale }, y };
    if (this.view !== undefined && this.engine !== undefined) {
      let diagram: BifurcationDiagram;
      try {
        diagram = diagramForView(this.view, next);
      } catch (error) {
        if (!(error instanceof ValidationError)) {
          throw error;
        }
        this.formError = `Zooming further is not possible here: ${error.message}`;
        return;
      }
      const offered: Precision[] = this.engine.kind === 'webgpu' ? ['float32', 'df64', 'float64'] : ['float64'];
      const available = this.precision === 'auto' ? offered : offered.filter((precision) => precision === this.precision);
      const choice = chooseDiagramPrecision(diagram, available);
      if (choice.precision === undefined) {
        const last = choice.problems.at(-1);
        this.formError = `Zooming further would pass ${last?.precision ?? this.precision} precision: ${last?.problem ?? 'no precision is available'}.`;
        return;
      }
    }
    this.apply(next);
  }

  /** Sends the trajectory of the picked column's first sample to the page, for the inspector. */
  private onColumnSelected(event: CustomEvent<number>): void {
    event.stopPropagation();
    const diagram = this.diagram;
    if (diagram === undefined || diagram instanceof ValidationError) {
      return;
    }
    const fraction = axisFraction(diagram.x, event.detail);
    const column = Math.min(diagram.columns - 1, Math.max(0, Math.floor(fraction * diagram.columns)));
    const experiment = diagramExperiment(diagram, column);
    if (experiment === undefined) {
      return;
    }
    const label = `diagram column ${column}: ${AXIS_LABELS[diagram.x.parameter]} = ${format(event.detail)}`;
    this.dispatchEvent(new CustomEvent<TrajectoryRequest>('trajectory-requested', { detail: { experiment, label }, bubbles: true, composed: true }));
  }

  private followMap(): void {
    const next = { ...this.panel };
    delete next.x;
    this.apply(next);
  }
}

/** Returns `values` widened by a tenth of their span on each side, within `outer`. */
function paddedRange(values: { min: number; max: number }, outer: DiagramRange): DiagramRange {
  const pad = Math.max(0.1 * (values.max - values.min), 1e-9 * Math.max(Math.abs(values.min), Math.abs(values.max), 1));
  return { min: Math.max(outer.min, values.min - pad), max: Math.min(outer.max, values.max + pad), scale: 'linear' };
}

/** Labels of the form's fields, by the field names of the diagram's validation errors. */
const FIELD_LABELS: Record<string, string> = {
  'y.min': 'y from',
  'y.max': 'y to',
  'y.scale': 'scale',
  'x.min': 'x range',
  'x.max': 'x range',
  columns: 'columns',
  rows: 'rows',
  samples: 'samples',
  transient: 'transient steps',
  recorded: 'recorded steps',
  quantity: 'quantity',
  'tone.mapping': 'tone',
  'tone.gamma': 'γ',
  'tone.map': 'map',
  'fixed.value': 'row',
};

/** A search for doublings and its outcome. */
interface FinderState {
  /** finderKey of the diagram searched: results show only while the experiment, row and axis stay the same. */
  key: string;
  report?: CascadeReport;
  /** Whether `report` comes from a full search (every transition, full precision), not from framing. */
  full?: boolean;
  status: string;
}

/** Steps per trajectory of the finder: enough for the detection band to stay near 10⁻⁴ at k = 1. */
const FINDER_STEPS = 8192;

/**
 * Returns the finder's evaluator for the diagram's experiment and row: the df64 kernels on
 * WebGPU (float32 detects doublings early by up to 5·10⁻³), float64 on the CPU otherwise.
 * Returns undefined when no column has valid parameters.
 */
function orbitEvaluatorFor(engine: Engine, diagram: BifurcationDiagram): EngineOrbitEvaluator | undefined {
  let experiment: Experiment | undefined;
  for (let column = 0; column < diagram.columns && experiment === undefined; column++) {
    experiment = diagramExperiment(diagram, column);
  }
  if (experiment === undefined) {
    return undefined;
  }
  const parameter = diagram.x.parameter as RateParameter;
  if (engine.kind === 'webgpu' && engine.gpu !== undefined) {
    return createGpuOrbitEvaluator(engine.gpu, experiment, parameter, 'df64');
  }
  return createCpuOrbitEvaluator(experiment, parameter);
}

/** Identifies what a search depends on: the experiment, the fixed parameter and the x parameter. */
function finderKey(diagram: BifurcationDiagram): string {
  return JSON.stringify([diagram.experiment, diagram.fixed, diagram.x.parameter]);
}

function formatWithError(value: number, error: number): string {
  if (!Number.isFinite(error)) {
    return `${value.toPrecision(10)} (no error estimate)`;
  }
  // Digits down to the error's first significant digit, and two more.
  const digits = Math.max(3, Math.min(16, Math.ceil(Math.log10(Math.abs(value) / error)) + 2));
  return `${value.toPrecision(digits)} ± ${error.toExponential(1)}`;
}

function format(value: number): string {
  return String(Number(value.toPrecision(6)));
}

customElements.define('eos-bifurcation-panel', BifurcationPanel);

/**
 * Says why the precisions cheaper than `used` did not draw `diagram`, for the status
 * line, for example " (float32: 1000 recorded steps exceed the 64 that float32 draws: …)".
 */
function cheaperPrecisionReasons(diagram: BifurcationDiagram, used: Precision): string {
  const order: Precision[] = ['float32', 'df64', 'float64'];
  const reasons = order
    .slice(0, order.indexOf(used))
    .map((precision) => {
      const problem = diagramPrecisionProblem(diagram, precision);
      return problem === undefined ? undefined : `${precision}: ${problem}`;
    })
    .filter((reason) => reason !== undefined);
  return reasons.length === 0 ? '' : ` (${reasons.join('; ')})`;
}

declare global {
  interface HTMLElementTagNameMap {
    'eos-bifurcation-panel': BifurcationPanel;
  }
}
