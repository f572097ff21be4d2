/**
 * `<eos-atlas-app>`: the page. It owns the state (kept in the URL), the engine,
 * the renders (coarse first, then full resolution, cancellable) and the
 * interactions between the phase map, the controls, the presets and the
 * trajectory inspector.
 */
import { Task, TaskStatus } from '@lit/task';
import { css, html, LitElement } from 'lit';
import { ValidationError } from '../core/errors.ts';
import { LAYERS, LAYER_NAMES, PHASES_BY_CODE } from './labels.ts';
import { createLogger } from '../core/logger.ts';
import { decodeAppState, DEFAULT_APP_STATE, encodeAppState, MAX_HISTORY_ENTRIES, type AppState } from '../core/url-state.ts';
import type { Experiment } from '../core/experiment.ts';
import { AXIS_LABELS, createView, experimentStart, pixelCoordinates, pixelExperiment, type View } from '../core/view.ts';
import { browserAdapterSource } from '../gpu/context.ts';
import { createEngine, describeComputation, PrecisionError, type Engine, type RequestedPrecision, type ViewResult } from '../gpu/engine.ts';
import type { RenderProgress } from '../gpu/trajectory-engine.ts';
import './color-legend.ts';
import { colorizeOptionsFor } from '../core/colorize-options.ts';
import './phase-map.ts';
import type { MapImage, PixelEvent, ViewRequest } from './phase-map.ts';
import './preset-list.ts';
import type { Preset } from './presets.ts';
import './trajectory-inspector.ts';
import './view-controls.ts';
import './export-panel.ts';
import './bifurcation-panel.ts';
import type { TrajectoryRequest } from './bifurcation-panel.ts';
import { DEFAULT_DIAGRAM_PANEL, diagramRowValue, panelForView, type DiagramPanelState } from '../core/diagram-state.ts';
import type { PngExportRequest } from './export-panel.ts';
import { exportViewPng } from './export-image.ts';
import { exportDiagramPng } from './export-diagram.ts';
import { readPngTexts, PNG_VIEW_KEY } from '../core/png.ts';
import { assessPrecision } from '../core/precision.ts';
import { precisionLimitMessage } from './precision-limit.ts';
import { describeViewExport, encodeViewNpy, formatSidecarJson } from '../core/view-export.ts';
import packageInfo from '../../package.json';
import { panAxis, zoomAxis } from './view-geometry.ts';

const log = createLogger('ui');

/** Milliseconds the pointer must rest on a phase-map row before the bifurcation diagram moves to it. */
const ROW_REST_MILLISECONDS = 300;

/** Views at least this many pixels across render a quarter-resolution preview first. */
const PREVIEW_MIN_COLUMNS = 128;

/** Largest view the page renders: its 16 layers take 64 bytes a pixel, 1 GiB at this size. */
const MAX_PAGE_PIXELS = 4096 * 4096;

export class AtlasApp extends LitElement {
  static override properties = {
    state: { state: true },
    image: { state: true },
    progress: { state: true },
    readout: { state: true },
    inspected: { state: true },
    urlError: { state: true },
    recoveries: { state: true },
    presetId: { state: true },
    exportMessage: { state: true },
    exporting: { state: true },
    mapCursor: { state: true },
    diagramExportMessage: { state: true },
    diagramCursor: { state: true },
    computedBy: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font: 14px system-ui, sans-serif;
      color: #111;
      padding: 12px;
    }
    h1 {
      font-size: 20px;
      margin: 0 0 8px;
    }
    .layout {
      display: flex;
      gap: 16px;
      align-items: flex-start;
      flex-wrap: wrap;
    }
    aside {
      width: 330px;
    }
    .toolbar {
      display: flex;
      gap: 6px;
      align-items: center;
      margin: 6px 0;
      flex-wrap: wrap;
    }
    button {
      font: inherit;
    }
    progress {
      width: 160px;
    }
    .banner {
      padding: 6px 10px;
      margin: 0 0 8px;
      border-radius: 3px;
      max-width: 900px;
    }
    .info {
      background: #e8f1fb;
      border: 1px solid #0072b2;
    }
    .warning {
      background: #fff4e0;
      border: 1px solid #e69f00;
    }
    .error {
      background: #fde8ec;
      border: 1px solid #b00020;
    }
    .readout {
      font: 12px ui-monospace, monospace;
      white-space: pre;
      min-height: 7.5em;
      margin-top: 6px;
    }
    eos-trajectory-inspector {
      margin-top: 12px;
    }
    .computed {
      font-size: 12px;
      color: #444;
      margin-top: 4px;
    }
  `;

  declare state: AppState;
  declare image: MapImage | undefined;
  declare progress: RenderProgress | undefined;
  declare readout: string;
  declare inspected: { experiment: Experiment; label: string } | undefined;
  declare urlError: string | undefined;
  declare recoveries: number;
  declare presetId: string;
  declare exportMessage: string;
  declare exporting: boolean;
  /** x value under the pointer on the phase map, drawn as a cursor on the bifurcation diagram. */
  declare mapCursor: number | undefined;
  /** x value under the pointer on the bifurcation diagram, drawn as a cursor on the phase map. */
  declare diagramCursor: number | undefined;
  private rowTimer: ReturnType<typeof setTimeout> | undefined;
  declare diagramExportMessage: string;
  /** Engine and arithmetic of the picture on display, or undefined before the first one. */
  declare computedBy: Pick<ViewResult, 'engine' | 'description' | 'arithmetic'> | undefined;

  private readonly engineTask = new Task(this, {
    task: async ([engineMode]) => {
      const engine = await createEngine({ adapterSource: browserAdapterSource, forceCpu: engineMode === 'cpu' });
      if (engineMode === 'webgpu' && engine.kind !== 'webgpu') {
        // engine=webgpu in the URL requests the WebGPU kernels and no fallback to the CPU engine.
        throw new Error(`the link asks for WebGPU (engine=webgpu), but ${engine.description}`);
      }
      return engine;
    },
    args: () => [this.state.debug.engine] as const,
  });

  private readonly renderTask = new Task(this, {
    task: async ([engine, viewKey, precision], { signal }) => {
      if (engine === undefined) {
        return undefined;
      }
      return this.renderView(engine, JSON.parse(viewKey) as AppState['view'], precision, signal);
    },
    args: () => [this.engineTask.value, JSON.stringify(this.state.view), this.state.debug.precision] as const,
  });

  constructor() {
    super();
    this.image = undefined;
    this.progress = undefined;
    this.readout = '';
    this.inspected = undefined;
    this.urlError = undefined;
    this.recoveries = 0;
    this.presetId = '';
    this.exportMessage = '';
    this.exporting = false;
    this.mapCursor = undefined;
    this.diagramCursor = undefined;
    this.diagramExportMessage = '';
    this.computedBy = undefined;
    this.state = this.stateFromUrl();
    // Keys work anywhere on the page, not only after a click inside the app.
    this.keyListener = (event: KeyboardEvent) => this.onKey(event);
    // Dropping an exported PNG reopens the view stored in its metadata.
    this.addEventListener('dragover', (event) => event.preventDefault());
    this.addEventListener('drop', (event) => void this.onDrop(event));
  }

  private stateFromUrl(): AppState {
    const query = globalThis.location?.search ?? '';
    if (query === '' || query === '?') {
      return DEFAULT_APP_STATE;
    }
    try {
      return decodeAppState(query);
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        throw error;
      }
      this.urlError = `The link's view could not be read: ${error.message} The default view is shown instead.`;
      return DEFAULT_APP_STATE;
    }
  }

  /** Renders a preview at a quarter of the resolution, then the full view, both in `precision`. */
  private async renderView(engine: Engine, viewInput: AppState['view'], precision: RequestedPrecision, signal: AbortSignal): Promise<ViewResult> {
    const view = createView(viewInput);
    if (view.columns * view.rows > MAX_PAGE_PIXELS) {
      throw new ValidationError(
        'res',
        `${view.columns}x${view.rows}`,
        `at most ${MAX_PAGE_PIXELS} pixels (4096 × 4096) on the page, which keeps all 16 layers in memory; export larger images with the Export panel or eos-atlas render`,
      );
    }
    const onProgress = (progress: RenderProgress) => {
      this.progress = progress;
    };
    try {
      if (view.columns >= PREVIEW_MIN_COLUMNS && view.rows >= PREVIEW_MIN_COLUMNS / 2) {
        const coarse = createView({ ...viewInput, columns: Math.ceil(view.columns / 4), rows: Math.ceil(view.rows / 4) });
        // The preview reports progress too, so a costly view shows its progress and cancel at once.
        const preview = await engine.render(coarse, { signal, onProgress, precision });
        this.showResult(engine, coarse, preview);
      }
      const result = await engine.render(view, { signal, onProgress, precision });
      this.recoveries += result.recoveries;
      this.showResult(engine, view, result);
      this.progress = undefined;
      return result;
    } catch (error) {
      // A failed render must not leave its progress bar and cancel button. A render
      // cancelled for a newer view leaves the progress to that view's render.
      if (!signal.aborted) {
        this.progress = undefined;
      }
      throw error;
    }
  }

  private showResult(engine: Engine, view: View, result: ViewResult): void {
    const previous = this.image;
    this.image = {
      view,
      layers: result.layers,
      results: result.results,
      device: engine.kind === 'webgpu' ? engine.gpu?.device : undefined,
      tileStarts: result.tileStarts,
    };
    this.computedBy = { engine: result.engine, description: result.description, arithmetic: result.arithmetic };
    // The GPU results of the previous picture are no longer drawn.
    if (previous?.results !== undefined && previous.results !== result.results) {
      const buffer = previous.results;
      requestAnimationFrame(() => buffer.destroy());
    }
  }

  private readonly keyListener: (event: KeyboardEvent) => void;

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.keyListener);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.keyListener);
  }

  /**
   * Returns the status beside the map while no progress bar shows. It reads "ready"
   * only once the full-resolution picture of the current view is drawn, not between
   * the engine's start and the first render, nor between the preview and the full render.
   */
  private statusText(engine: Engine | undefined): string {
    if (engine === undefined) {
      return 'starting engine…';
    }
    const state = this.renderState;
    if (state === 'complete') {
      return 'ready';
    }
    return state === 'error' ? 'render failed' : 'rendering…';
  }

  /** `pending`, `complete` or `error`: the full-resolution render's state, also in the host's `data-render` attribute. */
  get renderState(): 'pending' | 'complete' | 'error' {
    const status = this.renderTask.status;
    // The task also completes, with no value, while the engine is still starting.
    const done = status === TaskStatus.COMPLETE && this.renderTask.value !== undefined && this.progress === undefined;
    if (done) {
      return 'complete';
    }
    return status === TaskStatus.ERROR ? 'error' : 'pending';
  }

  override updated(): void {
    this.dataset.render = this.renderState;
    const query = encodeAppState(this.state);
    const url = `${location.pathname}${query === '' ? '' : `?${query}`}`;
    if (`${location.pathname}${location.search}` !== url) {
      history.replaceState(null, '', url);
    }
  }

  override render() {
    const engine = this.engineTask.value;
    const colorize = colorizeOptionsFor(this.state, this.image?.layers[this.state.layer]);
    return html`
      <h1>eos-atlas: edge-of-stability phase diagrams of the UV model</h1>
      ${this.renderBanners(engine)}
      <div class="layout">
        <main>
          <div class="toolbar">
            <button @click=${this.back} ?disabled=${this.state.history.length === 0} title="Back ([)">◀ back</button>
            <button @click=${this.forward} ?disabled=${this.state.future.length === 0} title="Forward (])">forward ▶</button>
            <button @click=${this.reset} ?disabled=${this.state.history.length === 0} title="Reset zoom (0)">reset</button>
            <button @click=${() => this.zoom(0.5)} title="Zoom in (+)">+</button>
            <button @click=${() => this.zoom(2)} title="Zoom out (−)">−</button>
            <button @click=${this.toggleDiagram} aria-pressed=${this.state.diagram !== undefined ? 'true' : 'false'} title="Show the bifurcation diagram of the row under the pointer">
              bifurcation diagram
            </button>
            ${this.progress === undefined
              ? html`<span class="status">${this.statusText(engine)}</span>`
              : html`<progress max=${this.progress.total} value=${this.progress.done}></progress>
                  <span class="status">${Math.round((100 * this.progress.done) / this.progress.total)}%</span>
                  <button @click=${this.cancel}>cancel</button>`}
          </div>
          <eos-phase-map
            .image=${this.renderTask.status === TaskStatus.ERROR ? undefined : this.image}
            .axes=${{ x: this.state.view.x, y: this.state.view.y }}
            .layer=${this.state.layer}
            .colorize=${colorize}
            @view-requested=${this.onViewRequested}
            @pixel-selected=${this.onPixelSelected}
            @pointer-moved=${this.onPointerMoved}
            .cursor=${this.diagramCursor}
            .rowMark=${this.diagramRow()}
            .showTiles=${this.state.debug.showTiles === true}
          ></eos-phase-map>
          <eos-color-legend .colorize=${colorize} .layer=${this.state.layer}></eos-color-legend>
          ${this.computedBy === undefined || this.renderTask.status === TaskStatus.ERROR
            ? null
            : html`<div class="computed" data-precision=${this.computedBy.arithmetic}>${describeComputation(this.computedBy)}</div>`}
          <div class="readout" aria-live="polite">${this.readout}</div>
          ${this.inspected === undefined
            ? null
            : html`<eos-trajectory-inspector
                .experiment=${this.inspected.experiment}
                .label=${this.inspected.label}
                @inspector-closed=${() => (this.inspected = undefined)}
              ></eos-trajectory-inspector>`}
          ${this.renderDiagramPanel(engine)}
        </main>
        <aside>
          <h2>Presets</h2>
          <eos-preset-list .selected=${this.presetId} @preset-selected=${this.onPreset}></eos-preset-list>
          <h2>View</h2>
          <eos-view-controls .state=${this.state} @state-changed=${this.onStateChanged}></eos-view-controls>
          <h2>Export</h2>
          <eos-export-panel
            .columns=${this.state.view.columns}
            .rows=${this.state.view.rows}
            .busy=${this.exporting}
            .message=${this.exportMessage}
            @png-export-requested=${this.onPngExport}
            @data-export-requested=${this.onDataExport}
          ></eos-export-panel>
        </aside>
      </div>
    `;
  }

  private renderDiagramPanel(engine: Engine | undefined) {
    const panel = this.state.diagram;
    if (panel === undefined) {
      return null;
    }
    return html`<eos-bifurcation-panel
      .engine=${engine}
      .view=${createView(this.state.view)}
      .panel=${panel}
      .cursor=${this.mapCursor}
      @diagram-changed=${(event: CustomEvent<DiagramPanelState>) => this.setState({ ...this.state, diagram: event.detail })}
      @cursor-moved=${(event: CustomEvent<number | null>) => (this.diagramCursor = event.detail ?? undefined)}
      @trajectory-requested=${(event: CustomEvent<TrajectoryRequest>) => (this.inspected = event.detail)}
      @diagram-export-requested=${this.onDiagramExport}
      .exportMessage=${this.diagramExportMessage}
      .precision=${this.state.debug.precision}
      .exporting=${this.exporting}
    ></eos-bifurcation-panel>`;
  }

  /** Value of the map's y parameter at which the open bifurcation diagram is drawn, or undefined. */
  private diagramRow(): number | undefined {
    const panel = this.state.diagram;
    return panel === undefined ? undefined : diagramRowValue(createView(this.state.view), panel);
  }

  private toggleDiagram(): void {
    if (this.state.diagram !== undefined) {
      const next = { ...this.state };
      delete next.diagram;
      this.setState(next);
      this.diagramCursor = undefined;
      return;
    }
    this.setState({ ...this.state, diagram: { ...DEFAULT_DIAGRAM_PANEL, y: { ...DEFAULT_DIAGRAM_PANEL.y }, tone: { ...DEFAULT_DIAGRAM_PANEL.tone } } });
  }

  private renderBanners(engine: Engine | undefined) {
    const banners = [];
    if (this.urlError !== undefined) {
      banners.push(html`<div class="banner error" role="alert">${this.urlError}</div>`);
    }
    if (this.engineTask.error !== undefined) {
      banners.push(html`<div class="banner error" role="alert">The engine failed to start: ${String(this.engineTask.error)}</div>`);
    }
    if (engine?.kind === 'cpu') {
      banners.push(
        html`<div class="banner warning" data-banner="cpu">Views are computed by the ${engine.description}, which is slower than WebGPU.</div>`,
      );
    }
    if (this.recoveries > 0) {
      banners.push(html`<div class="banner warning" data-banner="device-lost">The GPU device was lost ${this.recoveries} time(s); the engine rebuilt it and finished the view.</div>`);
    }
    const renderError = this.renderTask.error;
    if (renderError instanceof PrecisionError) {
      banners.push(html`<div class="banner error" role="alert" data-banner="precision">${renderError.message}</div>`);
    } else if (renderError instanceof ValidationError) {
      banners.push(html`<div class="banner error" role="alert" data-banner="too-large">${renderError.message}</div>`);
    } else if (renderError !== undefined && !(renderError instanceof Error && renderError.name === 'AbortError')) {
      banners.push(html`<div class="banner error" role="alert">The view failed to render: ${String(renderError)}</div>`);
    }
    return banners;
  }

  private setState(next: AppState): void {
    const panel = next.diagram;
    // A preset or an axis change can leave the diagram's row or range on another parameter.
    if (panel !== undefined && panel === this.state.diagram && next.view !== this.state.view) {
      next = { ...next, diagram: panelForView(this.state.view, next.view, panel) };
    }
    this.state = next;
  }

  private onStateChanged(event: CustomEvent<AppState>): void {
    this.presetId = '';
    this.setState(event.detail);
  }

  private onPreset(event: CustomEvent<Preset>): void {
    const preset = event.detail;
    this.presetId = preset.id;
    this.inspected = undefined;
    const next: AppState = {
      ...this.state,
      view: preset.view,
      layer: preset.layer,
      colormap: preset.colormap,
      history: [],
      future: [],
    };
    if (preset.diagram !== undefined) {
      next.diagram = preset.diagram;
    }
    this.setState(next);
  }

  private onViewRequested(event: CustomEvent<ViewRequest>): void {
    this.moveTo(event.detail);
  }

  /** Shows new axes and records the current ones in the zoom history. */
  private moveTo(request: ViewRequest): void {
    const { x, y } = this.state.view;
    let next: View;
    try {
      next = createView({ ...this.state.view, x: request.x, y: request.y });
    } catch (error) {
      log.warn('precision', `zoom rejected: ${(error as Error).message}`);
      return;
    }
    // Stop where no precision that the page may use resolves the view, instead of drawing an error.
    const engine = this.engineTask.value;
    if (engine !== undefined) {
      const limit = precisionLimitMessage(createView(this.state.view), next, this.state.debug.precision, engine.precisions);
      if (limit !== undefined) {
        this.readout = limit;
        return;
      }
    }
    this.setState({
      ...this.state,
      view: { ...this.state.view, x: request.x, y: request.y },
      // Links keep the newest MAX_HISTORY_ENTRIES steps (docs/url-state.md).
      history: [...this.state.history, { x, y }].slice(-MAX_HISTORY_ENTRIES),
      future: [],
    });
  }

  private back(): void {
    const previous = this.state.history.at(-1);
    if (previous === undefined) {
      return;
    }
    const { x, y } = this.state.view;
    this.setState({
      ...this.state,
      view: { ...this.state.view, ...previous },
      history: this.state.history.slice(0, -1),
      future: [{ x, y }, ...this.state.future].slice(0, MAX_HISTORY_ENTRIES),
    });
  }

  private forward(): void {
    const next = this.state.future[0];
    if (next === undefined) {
      return;
    }
    const { x, y } = this.state.view;
    this.setState({
      ...this.state,
      view: { ...this.state.view, ...next },
      history: [...this.state.history, { x, y }].slice(-MAX_HISTORY_ENTRIES),
      future: this.state.future.slice(1),
    });
  }

  /** Returns to the axes before the first zoom and clears the zoom history. */
  private reset(): void {
    const first = this.state.history[0];
    if (first !== undefined) {
      this.setState({ ...this.state, view: { ...this.state.view, ...first }, history: [], future: [] });
    }
  }

  private zoom(factor: number): void {
    this.moveTo({ x: zoomAxis(this.state.view.x, 0.5, factor), y: zoomAxis(this.state.view.y, 0.5, factor) });
  }

  private pan(dx: number, dy: number): void {
    this.moveTo({ x: panAxis(this.state.view.x, dx), y: panAxis(this.state.view.y, dy) });
  }

  private cancel(): void {
    this.renderTask.abort();
    this.progress = undefined;
  }

  private onKey(event: KeyboardEvent): void {
    if ((event.target as HTMLElement | null)?.closest?.('input, select') || event.composedPath().some((node) => node instanceof HTMLInputElement || node instanceof HTMLSelectElement)) {
      return;
    }
    const actions: Record<string, () => void> = {
      '+': () => this.zoom(0.5),
      '=': () => this.zoom(0.5),
      '-': () => this.zoom(2),
      ArrowLeft: () => this.pan(-0.1, 0),
      ArrowRight: () => this.pan(0.1, 0),
      ArrowUp: () => this.pan(0, 0.1),
      ArrowDown: () => this.pan(0, -0.1),
      '0': () => this.reset(),
      '[': () => this.back(),
      ']': () => this.forward(),
      Escape: () => this.cancel(),
    };
    const action = actions[event.key];
    if (action !== undefined) {
      event.preventDefault();
      action();
    }
  }

  private onPixelSelected(event: CustomEvent<PixelEvent>): void {
    const image = this.image;
    if (image === undefined) {
      return;
    }
    const { column, row } = event.detail;
    const experiment = pixelExperiment(image.view, column, row, 0);
    if (experiment === undefined) {
      this.readout = 'This pixel has no valid trajectory (outside the reachable wedge, or η/η_c with y ≤ 0).';
      return;
    }
    this.inspected = { experiment, label: this.describePixel(image.view, column, row) };
  }

  private onPointerMoved(event: CustomEvent<PixelEvent | null>): void {
    const image = this.image;
    clearTimeout(this.rowTimer);
    if (image === undefined || event.detail === null) {
      this.mapCursor = undefined;
      return;
    }
    const { column, row } = event.detail;
    const coordinates = pixelCoordinates(image.view, column, row);
    this.mapCursor = coordinates.x;
    if (this.state.diagram !== undefined) {
      // The diagram follows the row once the pointer rests on it, so crossing rows on the
      // way to the diagram does not start a render for each of them.
      this.rowTimer = setTimeout(() => {
        if (this.state.diagram !== undefined && this.state.diagram.row !== coordinates.y) {
          this.setState({ ...this.state, diagram: { ...this.state.diagram, row: coordinates.y } });
        }
      }, ROW_REST_MILLISECONDS);
    }
    const index = row * image.view.columns + column;
    const value = (name: (typeof LAYER_NAMES)[number]) => image.layers[name][index]!;
    const phase = PHASES_BY_CODE[value('phase')] ?? 'unknown';
    const experiment = pixelExperiment(image.view, column, row, 0);
    const rates =
      experiment === undefined
        ? 'no valid trajectory'
        : describeRates(experiment);
    this.readout = [
      this.describePixel(image.view, column, row),
      rates,
      `phase ${phase}${value('period') > 0 ? `, period ${value('period')}` : ''}`,
      `${LAYERS.lyapunovExponent.label} ${fmt(value('lyapunovExponent'))}, ηλ_H/2 in [${fmt(value('lateSharpnessMin'))}, ${fmt(value('lateSharpnessMax'))}]`,
      `${LAYERS.sharpnessRatio.label} ${fmt(value('sharpnessRatio'))}, ${LAYERS.peakLossRatio.label} ${fmt(value('peakLossRatio'))}`,
      `${LAYERS[this.state.layer].label}: ${fmt(value(this.state.layer))}`,
    ].join('\n');
  }

  private async onPngExport(event: CustomEvent<PngExportRequest>): Promise<void> {
    const engine = this.engineTask.value;
    if (engine === undefined || this.exporting) {
      return;
    }
    const { width, height, decorations } = event.detail;
    this.exporting = true;
    this.exportMessage = `Rendering ${width} × ${height}…`;
    try {
      const colorize = colorizeOptionsFor(this.state, this.image?.layers[this.state.layer]);
      const png = await exportViewPng(engine, this.state, {
        width,
        height,
        decorations,
        colorize,
        version: packageInfo.version,
        onProgress: (fraction) => (this.exportMessage = `Rendering ${width} × ${height}: ${Math.round(100 * fraction)}%`),
      });
      download(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), `eos-atlas-${this.state.layer}-${width}x${height}.png`);
      this.exportMessage = `Exported eos-atlas-${this.state.layer}-${width}x${height}.png (${Math.round(png.length / 1024)} KiB).`;
    } catch (error) {
      this.exportMessage = `The export failed: ${(error as Error).message}`;
    } finally {
      this.exporting = false;
    }
  }

  private async onDiagramExport(event: CustomEvent<PngExportRequest>): Promise<void> {
    const engine = this.engineTask.value;
    if (engine === undefined || this.exporting) {
      return;
    }
    const { width, height, decorations } = event.detail;
    const name = `eos-atlas-bifurcation-${width}x${height}.png`;
    this.exporting = true;
    this.diagramExportMessage = `Rendering ${width} × ${height}…`;
    try {
      const png = await exportDiagramPng(engine, this.state, {
        width,
        height,
        decorations,
        version: packageInfo.version,
        onProgress: (fraction) => (this.diagramExportMessage = `Rendering ${width} × ${height}: ${Math.round(100 * fraction)}%`),
      });
      download(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), name);
      this.diagramExportMessage = `Exported ${name} (${Math.round(png.length / 1024)} KiB).`;
    } catch (error) {
      this.diagramExportMessage = `The export failed: ${(error as Error).message}`;
    } finally {
      this.exporting = false;
    }
  }

  private onDataExport(): void {
    const image = this.image;
    const computedBy = this.computedBy;
    if (image === undefined || computedBy === undefined) {
      return;
    }
    const name = `eos-atlas-${image.view.columns}x${image.view.rows}`;
    const query = encodeAppState({ ...this.state, view: { ...this.state.view, columns: image.view.columns, rows: image.view.rows } });
    const engineInfo = { kind: computedBy.engine, description: computedBy.description, arithmetic: computedBy.arithmetic, precision: assessPrecision(image.view) };
    const sidecar = describeViewExport(image.view, query, `${name}.npy`, engineInfo, packageInfo.version);
    download(new Blob([encodeViewNpy(image.layers, image.view) as Uint8Array<ArrayBuffer>]), `${name}.npy`);
    download(new Blob([formatSidecarJson(sidecar)], { type: 'application/json' }), `${name}.json`);
    this.exportMessage = `Exported ${name}.npy and ${name}.json.`;
  }

  private async onDrop(event: DragEvent): Promise<void> {
    event.preventDefault();
    const file = event.dataTransfer?.files[0];
    if (file === undefined) {
      return;
    }
    try {
      const texts = readPngTexts(new Uint8Array(await file.arrayBuffer()));
      const query = texts[PNG_VIEW_KEY];
      if (query === undefined) {
        throw new ValidationError(PNG_VIEW_KEY, file.name, 'a PNG exported by eos-atlas, with the view in its metadata');
      }
      this.urlError = undefined;
      this.presetId = '';
      this.setState(decodeAppState(query));
    } catch (error) {
      if (!(error instanceof ValidationError)) {
        throw error;
      }
      this.urlError = `The dropped file's view could not be read: ${error.message}`;
    }
  }

  private describePixel(view: View, column: number, row: number): string {
    const { x, y } = pixelCoordinates(view, column, row);
    return `pixel (${column}, ${row}): ${AXIS_LABELS[view.x.parameter]} = ${fmt(x)}, ${AXIS_LABELS[view.y.parameter]} = ${fmt(y)}`;
  }
}

/** Returns the learning-rate readouts of an experiment: η, η/η_c = |ỹ|, c = ηλ₀ and the other parameters. */
function describeRates(experiment: Experiment): string {
  const start = experimentStart(experiment);
  // ηλ₀ = 2(P̂₀ + Q̂₀).
  const c = 2 * (start.pHat + start.qHat);
  return `η = ${fmt(experiment.learningRate)}, η/η_c = ${fmt(Math.abs(start.yTilde))}, c = ηλ₀ = ${fmt(c)}, σ_w = ${fmt(experiment.sigmaU)}, n = ${experiment.width}, s = ${fmt(experiment.parameterization)}`;
}

/** Saves `blob` as a download named `name`. */
function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(5))) : String(value);
}

customElements.define('eos-atlas-app', AtlasApp);

declare global {
  interface HTMLElementTagNameMap {
    'eos-atlas-app': AtlasApp;
  }
}
