/**
 * `<eos-trajectory-inspector>`: one experiment's trajectory, simulated on the float64
 * reference map. A header lists the analysis. Time series show the loss, the residual Δf
 * and the sharpness against the step. The (Δf, λ) phase plane shows the one-step vector
 * field, nullclines, fixed points, the EoS manifold and the reachable wedge. The plots are
 * 2D canvases, redrawn when their size changes.
 *
 * Properties: `experiment` (the trajectory to show, or undefined for none) and `label`
 * (a caption such as the picked pixel's coordinates).
 * Events: `inspector-closed` (bubbles, composed) when the close button is pressed.
 */
import { Task } from '@lit/task';
import { css, html, LitElement, nothing, svg, unsafeCSS, type TemplateResult } from 'lit';
import type { TrajectoryAnalysis } from '../core/analysis.ts';
import type { Experiment } from '../core/experiment.ts';
import {
  eosManifold,
  lambdaNullcline,
  residualNullcline,
  vectorField,
  type FixedPoint,
} from '../core/fixed-points.ts';
import {
  arrowGlyphs,
  clipPolyline,
  createAxisScale,
  decimateColumns,
  fieldGridSize,
  growBox,
  sampleCurve,
  trajectoryPath,
  unreachablePolygon,
  visibleFixedPoints,
  type AxisScale,
  type Box,
  type Interval,
  type PhasePlaneRanges,
  type TrajectorySeries,
} from './inspector-geometry.ts';
import { formatTick, logTicks, niceLinearTicks, niceTickStep } from './ticks.ts';
import { computeInspectorData, type InspectorData } from './inspector-data.ts';
import type { InspectorWorkerReply } from './inspector-worker.ts';

/** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. */
const COLORS = {
  black: '#000000',
  orange: '#e69f00',
  skyBlue: '#56b4e9',
  bluishGreen: '#009e73',
  blue: '#0072b2',
  vermillion: '#d55e00',
  reddishPurple: '#cc79a7',
  grey: '#8c8c8c',
  unreachable: '#e4e4e4',
  axis: '#333333',
  grid: '#ececec',
} as const;

/** Stroke of a line: colour, width in CSS pixels and dash pattern (empty for solid). */
interface LineStyle {
  color: string;
  width: number;
  dash: readonly number[];
}

/** Line styles of the plots; the legends draw the same ones. */
const STYLES = {
  loss: { color: COLORS.blue, width: 1.5, dash: [] },
  residual: { color: COLORS.blue, width: 1.5, dash: [] },
  lambda: { color: COLORS.blue, width: 1.5, dash: [] },
  lambdaHessian: { color: COLORS.vermillion, width: 1.5, dash: [] },
  stabilityBound: { color: COLORS.black, width: 1, dash: [2, 3] },
  residualNullcline: { color: COLORS.orange, width: 1.75, dash: [] },
  lambdaNullcline: { color: COLORS.reddishPurple, width: 1.75, dash: [6, 3] },
  minima: { color: COLORS.bluishGreen, width: 1.5, dash: [] },
  stableMinima: { color: COLORS.bluishGreen, width: 4, dash: [] },
  eosManifold: { color: COLORS.skyBlue, width: 2, dash: [9, 3, 2, 3] },
  trajectory: { color: COLORS.blue, width: 1.25, dash: [] },
  field: { color: COLORS.grey, width: 1, dash: [] },
} as const satisfies Record<string, LineStyle>;

/** Plot margins in CSS pixels: room for tick labels and axis titles. */
const MARGIN = { left: 58, right: 14, top: 10, bottom: 36 };

/** Vertices of the phase-plane polyline before later states are drawn as dots. */
const MAX_LINE_VERTICES = 20_000;
/** Polylines with at most this many vertices also get a marker per state. */
const MAX_MARKED_VERTICES = 400;

type PlotKind = 'loss' | 'residual' | 'sharpness' | 'phase';

export class TrajectoryInspector extends LitElement {
  static override properties = {
    experiment: { attribute: false },
    label: { type: String },
  };

  static override styles = css`
    :host {
      display: block;
      container-type: inline-size;
      font: 13px/1.4 system-ui, sans-serif;
      color: #1a1a1a;
      background: #fff;
      border: 1px solid #d0d0d0;
      border-radius: 6px;
      padding: 10px 12px 12px;
    }
    header {
      display: flex;
      align-items: flex-start;
      gap: 12px;
    }
    header > div {
      flex: 1;
      min-width: 0;
    }
    h2 {
      font-size: 15px;
      margin: 0 0 4px;
    }
    .label {
      font-weight: 400;
      color: #555;
      margin-left: 0.5em;
    }
    .close {
      margin-left: auto;
      font: inherit;
      font-size: 18px;
      line-height: 1;
      padding: 2px 8px;
      border: 1px solid #bbb;
      border-radius: 4px;
      background: #f6f6f6;
      cursor: pointer;
    }
    .close:hover {
      background: #e8e8e8;
    }
    dl {
      display: flex;
      flex-wrap: wrap;
      gap: 2px 18px;
      margin: 4px 0 6px;
    }
    dl div {
      display: flex;
      gap: 0.4em;
      white-space: nowrap;
    }
    dt {
      color: #555;
    }
    dd {
      margin: 0;
      font-variant-numeric: tabular-nums;
      font-weight: 600;
    }
    .note {
      margin: 2px 0 6px;
      padding: 4px 8px;
      background: #fff4e0;
      border-left: 3px solid ${unsafeCSS(COLORS.orange)};
    }
    .plots {
      display: grid;
      grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr);
      gap: 8px 16px;
    }
    .series {
      display: grid;
      gap: 4px;
      align-content: start;
    }
    figure {
      margin: 0;
    }
    figcaption {
      font-size: 12px;
      color: #333;
      display: flex;
      flex-wrap: wrap;
      gap: 2px 12px;
      padding-left: ${unsafeCSS(MARGIN.left)}px;
    }
    figcaption span {
      display: inline-flex;
      align-items: center;
      gap: 4px;
    }
    canvas {
      display: block;
      width: 100%;
    }
    .series canvas {
      height: 150px;
    }
    .phase canvas {
      height: 466px;
    }
    .status {
      color: #555;
      padding: 1em 0;
    }
    .error {
      color: #b00020;
    }
    @container (max-width: 760px) {
      .plots {
        grid-template-columns: minmax(0, 1fr);
      }
      .phase canvas {
        height: 380px;
      }
    }
  `;

  /** Experiment whose trajectory is shown, or undefined for none. */
  declare experiment: Experiment | undefined;
  /** Caption shown next to the title, such as the picked pixel's axis values. */
  declare label: string;

  private readonly dataTask = new Task(this, {
    task: async ([experiment]: readonly [Experiment | undefined], { signal }) => {
      if (experiment === undefined) {
        return undefined;
      }
      return computeOffThread(experiment, signal);
    },
    args: () => [this.experiment] as const,
  });

  private resizeObserver: ResizeObserver | undefined;
  private drawFrame = 0;

  constructor() {
    super();
    this.experiment = undefined;
    this.label = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.scheduleDraw());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    cancelAnimationFrame(this.drawFrame);
    this.drawFrame = 0;
  }

  override render() {
    return this.dataTask.render({
      initial: () => this.renderShell(html`<p class="status">No trajectory selected.</p>`),
      pending: () => this.renderShell(html`<p class="status">Simulating the trajectory…</p>`),
      complete: (data) =>
        data === undefined ? this.renderShell(html`<p class="status">No trajectory selected.</p>`) : this.renderData(data),
      error: (error) =>
        this.renderShell(html`<p class="status error">The trajectory could not be simulated: ${String(error)}</p>`),
    });
  }

  override updated(): void {
    const canvases = this.renderRoot.querySelectorAll('canvas');
    // Re-observe from scratch, so canvases that a re-render removed are let go.
    this.resizeObserver?.disconnect();
    for (const canvas of canvases) {
      this.resizeObserver?.observe(canvas);
    }
    if (canvases.length > 0) {
      this.scheduleDraw();
    }
  }

  private renderShell(body: TemplateResult, details: TemplateResult | typeof nothing = nothing) {
    return html`
      <header>
        <div>
          <h2>Trajectory<span class="label">${this.label}</span></h2>
          ${details}
        </div>
        <button class="close" type="button" aria-label="Close the trajectory inspector" title="Close" @click=${this.close}>
          ×
        </button>
      </header>
      ${body}
    `;
  }

  private renderData(data: InspectorData) {
    const { analysis, series, experiment } = data;
    const eta = experiment.learningRate;
    const notes: string[] = [];
    if (analysis.divergenceStep >= 0) {
      let drawnStates = 'no state';
      if (series.count === 1) {
        drawnStates = 'only the initial state';
      } else if (series.count > 1) {
        drawnStates = `steps 0 … ${series.count - 1}`;
      }
      notes.push(`Diverged at step ${analysis.divergenceStep} (ηλ/2 above 10⁸ or not finite); the plots show ${drawnStates}.`);
      if (series.fitCount < series.count) {
        notes.push(
          `The linear ranges fit steps 0 … ${series.fitCount - 1}; later states leave the plots as they run away.`,
        );
      }
    }
    const details = html`
      <dl>
        ${item('phase', phaseText(analysis))}
        ${item('period', analysis.period > 0 ? String(analysis.period) : '—')}
        ${analysis.divergenceStep >= 0
          ? item('diverged at step', String(analysis.divergenceStep))
          : item('converged at step', analysis.convergenceStep >= 0 ? String(analysis.convergenceStep) : '—')}
        ${item('catapult', analysis.catapult ? 'yes' : 'no')}
        ${item('λ_final/λ₀', formatNumber(analysis.sharpnessRatio))}
        ${item(
          'Lyapunov exponent',
          Number.isNaN(analysis.lyapunovExponent) ? '—' : `${formatNumber(analysis.lyapunovExponent)} /step`,
        )}
        ${item('η', formatNumber(eta))}
        ${item('η/η_c', formatNumber(eta / data.etaCritical))}
        ${item('η_c', formatNumber(data.etaCritical))}
        ${item('c = ηλ₀', formatNumber(eta * data.lambda0))}
        ${item('steps', String(experiment.steps))}
      </dl>
      ${notes.map((note) => html`<p class="note">${note}</p>`)}
    `;
    const body = html`
      <div class="plots">
        <div class="series">
          <figure>
            <canvas data-plot="loss" role="img" aria-label="Loss against step, logarithmic scale"></canvas>
          </figure>
          <figure>
            <canvas data-plot="residual" role="img" aria-label="Residual Δf against step"></canvas>
          </figure>
          <figure>
            <canvas data-plot="sharpness" role="img" aria-label="NTK eigenvalue λ and Hessian sharpness λ_H against step, with 2/η"></canvas>
            <figcaption>
              ${legendLine(STYLES.lambda, 'NTK λ')} ${legendLine(STYLES.lambdaHessian, 'Hessian λ_H')}
              ${legendLine(STYLES.stabilityBound, '2/η')}
            </figcaption>
          </figure>
        </div>
        <figure class="phase">
          <canvas data-plot="phase" role="img" aria-label="Phase plane of residual Δf and NTK eigenvalue λ"></canvas>
          <figcaption>
            ${legendLine(STYLES.trajectory, 'trajectory')} ${legendMarker('start')} ${legendMarker('end')}
            ${legendLine(STYLES.residualNullcline, 'Δf-nullcline')} ${legendLine(STYLES.lambdaNullcline, 'λ-nullcline')}
            ${legendLine(STYLES.minima, 'Δf = 0: minima, both nullclines')}
            ${legendLine(STYLES.stableMinima, 'stable minima')} ${legendLine(STYLES.eosManifold, 'EoS manifold')}
            ${legendLine(STYLES.stabilityBound, 'λ = 2/η')} ${legendSwatch(COLORS.unreachable, 'unreachable')}
            ${legendLine(STYLES.field, 'one-step direction')} ${legendMarker('stable')} ${legendMarker('saddle')}
            ${legendMarker('unstable')}
          </figcaption>
        </figure>
      </div>
    `;
    return this.renderShell(body, details);
  }

  private close = () => {
    this.dispatchEvent(new CustomEvent('inspector-closed', { bubbles: true, composed: true }));
  };

  private scheduleDraw(): void {
    if (this.drawFrame !== 0) {
      return;
    }
    this.drawFrame = requestAnimationFrame(() => {
      this.drawFrame = 0;
      this.drawAll();
    });
  }

  private drawAll(): void {
    const data = this.dataTask.value;
    if (data === undefined) {
      return;
    }
    for (const canvas of this.renderRoot.querySelectorAll('canvas')) {
      const kind = canvas.dataset['plot'] as PlotKind | undefined;
      if (kind === undefined) {
        continue;
      }
      try {
        drawPlot(canvas, kind, data);
      } catch (error) {
        // A drawing bug must not take the page down: the canvas stays blank and the console logs the error.
        console.error(`[eos-atlas inspector] drawing the ${kind} plot failed`, error);
      }
    }
  }
}

customElements.define('eos-trajectory-inspector', TrajectoryInspector);

declare global {
  interface HTMLElementTagNameMap {
    'eos-trajectory-inspector': TrajectoryInspector;
  }
}

/**
 * Computes the inspector's data in a Web Worker (inspector-worker.ts), which a new
 * experiment or a closed inspector terminates. 10⁶ steps take about 0.5 s (Node 20 on
 * a 2-core AMD EPYC virtual machine), which would block the page's thread. Where Web
 * Workers are missing it computes in this thread, after letting the status paint.
 */
async function computeOffThread(experiment: Experiment, signal: AbortSignal): Promise<InspectorData> {
  if (typeof Worker === 'undefined') {
    await waitForPaint();
    signal.throwIfAborted();
    return computeInspectorData(experiment);
  }
  // Vite recognizes this `new Worker(new URL(...))` form and bundles the entry.
  const worker = new Worker(new URL('./inspector-worker.ts', import.meta.url), { type: 'module' });
  try {
    return await new Promise<InspectorData>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      worker.addEventListener('message', (event: MessageEvent<InspectorWorkerReply>) => {
        const reply = event.data;
        if ('error' in reply) {
          reject(new Error(reply.error));
        } else {
          resolve(reply.data);
        }
      });
      worker.addEventListener('error', (event) => reject(new Error(`The inspector's worker failed: ${event.message}`)));
      worker.postMessage(experiment);
    });
  } finally {
    worker.terminate();
  }
}

/**
 * Resolves after the next frame has painted, or after 100 ms in a hidden page, where
 * animation frames do not run.
 */
function waitForPaint(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() =>
      setTimeout(() => {
        clearTimeout(timer);
        resolve();
      }, 0),
    );
  });
}

// ─── Header and legend templates ────────────────────────────────────────────────

function item(term: string, value: string) {
  return html`<div><dt>${term}</dt><dd>${value}</dd></div>`;
}

function phaseText(analysis: TrajectoryAnalysis): string {
  if (analysis.phase === 'converged') {
    return analysis.catapult ? 'converged, catapult' : `converged, ${analysis.sharpnessTrend}`;
  }
  return analysis.phase;
}

/** Formats a readout with 4 significant digits: "—" for NaN, "∞" for infinities. */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) {
    return '—';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '−∞';
  }
  if (value === 0) {
    return '0';
  }
  const magnitude = Math.abs(value);
  const text =
    magnitude >= 1e-3 && magnitude < 1e5
      ? String(Number(value.toPrecision(4)))
      : value.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return text.replace('-', '−');
}

function legendLine(style: LineStyle, label: string) {
  return html`<span
    >${svg`<svg width="26" height="10" aria-hidden="true"><line x1="1" y1="5" x2="25" y2="5" stroke=${style.color}
      stroke-width=${style.width} stroke-dasharray=${style.dash.join(' ') || 'none'} /></svg>`}${label}</span
  >`;
}

function legendSwatch(color: string, label: string) {
  return html`<span
    >${svg`<svg width="14" height="10" aria-hidden="true"><rect x="0.5" y="0.5" width="13" height="9" fill=${color} stroke="#bbb" /></svg>`}${label}</span
  >`;
}

type MarkerKind = 'start' | 'end' | 'stable' | 'saddle' | 'unstable';

function legendMarker(kind: MarkerKind) {
  const label = kind === 'start' || kind === 'end' ? kind : `${kind} fixed point`;
  let shape;
  switch (kind) {
    case 'start':
      shape = svg`<circle cx="7" cy="6" r="4" fill="#fff" stroke=${COLORS.black} stroke-width="1.5" />`;
      break;
    case 'end':
      shape = svg`<circle cx="7" cy="6" r="4.5" fill=${COLORS.vermillion} stroke=${COLORS.black} stroke-width="1" />`;
      break;
    case 'stable':
      shape = svg`<rect x="2" y="1" width="10" height="10" fill=${COLORS.black} />`;
      break;
    case 'unstable':
      shape = svg`<rect x="2.5" y="1.5" width="9" height="9" fill="#fff" stroke=${COLORS.black} stroke-width="1.5" />`;
      break;
    case 'saddle':
      shape = svg`<rect x="2.5" y="1.5" width="9" height="9" fill="#fff" stroke=${COLORS.black} stroke-width="1.5" />
        <rect x="2.5" y="1.5" width="4.5" height="9" fill=${COLORS.black} />`;
      break;
  }
  return html`<span>${svg`<svg width="14" height="12" aria-hidden="true">${shape}</svg>`}${label}</span>`;
}

// ─── Canvas plots ───────────────────────────────────────────────────────────────

/** A prepared canvas: its 2D context in CSS pixels, the plot area and the axis scales. */
interface Frame {
  context: CanvasRenderingContext2D;
  width: number;
  height: number;
  box: Box;
  xScale: AxisScale;
  yScale: AxisScale;
}

function drawPlot(canvas: HTMLCanvasElement, kind: PlotKind, data: InspectorData): void {
  const prepared = prepareCanvas(canvas);
  if (prepared === undefined) {
    return;
  }
  const { context, width, height } = prepared;
  const box: Box = {
    xMin: MARGIN.left,
    xMax: Math.max(MARGIN.left + 10, width - MARGIN.right),
    yMin: MARGIN.top,
    yMax: Math.max(MARGIN.top + 10, height - MARGIN.bottom),
  };
  const steps: Interval = [0, Math.max(1, data.lastStep)];
  switch (kind) {
    case 'loss':
      drawLossPlot(frameFor(context, width, height, box, steps, data.ranges.loss, true), data);
      break;
    case 'residual':
      drawResidualPlot(frameFor(context, width, height, box, steps, data.ranges.residual, false), data);
      break;
    case 'sharpness':
      drawSharpnessPlot(frameFor(context, width, height, box, steps, data.ranges.sharpness, false), data);
      break;
    case 'phase': {
      const ranges = data.ranges.phase;
      drawPhasePlane(frameFor(context, width, height, box, ranges.residual, ranges.lambda, false), data);
      break;
    }
  }
}

/** Sizes the canvas backing store to its CSS size times the device pixel ratio and returns a context in CSS pixels. */
function prepareCanvas(canvas: HTMLCanvasElement): { context: CanvasRenderingContext2D; width: number; height: number } | undefined {
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const context = canvas.getContext('2d');
  if (context === null || width <= 0 || height <= 0) {
    return undefined;
  }
  const ratio = globalThis.devicePixelRatio || 1;
  const backingWidth = Math.round(width * ratio);
  const backingHeight = Math.round(height * ratio);
  if (canvas.width !== backingWidth || canvas.height !== backingHeight) {
    canvas.width = backingWidth;
    canvas.height = backingHeight;
  }
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

function frameFor(
  context: CanvasRenderingContext2D,
  width: number,
  height: number,
  box: Box,
  xDomain: Interval,
  yDomain: Interval,
  yLog: boolean,
): Frame {
  return {
    context,
    width,
    height,
    box,
    xScale: createAxisScale(xDomain, [box.xMin, box.xMax]),
    yScale: createAxisScale(yDomain, [box.yMax, box.yMin], yLog),
  };
}

function drawLossPlot(frame: Frame, data: InspectorData): void {
  drawAxes(frame, 'step', 'loss L = ½Δf²');
  withPlotClip(frame, () => {
    drawMarkerLines(frame, data);
    drawSeries(frame, data.series.loss, data.series.count, STYLES.loss);
  });
}

function drawResidualPlot(frame: Frame, data: InspectorData): void {
  drawAxes(frame, 'step', 'residual Δf');
  withPlotClip(frame, () => {
    drawMarkerLines(frame, data);
    drawHorizontalLine(frame, 0, { color: COLORS.grey, width: 1, dash: [] });
    drawSeries(frame, data.series.residual, data.series.count, STYLES.residual);
  });
}

function drawSharpnessPlot(frame: Frame, data: InspectorData): void {
  drawAxes(frame, 'step', 'sharpness λ, λ_H');
  const bound = 2 / data.experiment.learningRate;
  withPlotClip(frame, () => {
    drawMarkerLines(frame, data);
    drawHorizontalLine(frame, bound, STYLES.stabilityBound);
    drawSeries(frame, data.series.lambdaHessian, data.series.count, STYLES.lambdaHessian);
    drawSeries(frame, data.series.lambda, data.series.count, STYLES.lambda);
  });
  labelHorizontalLine(frame, bound, '2/η');
}

/** Draws the convergence or divergence step as a vertical line with a caption. */
function drawMarkerLines(frame: Frame, data: InspectorData): void {
  const { analysis } = data;
  const marks: Array<{ step: number; label: string; color: string }> = [];
  if (analysis.convergenceStep >= 0) {
    marks.push({ step: analysis.convergenceStep, label: 'converged', color: COLORS.bluishGreen });
  }
  if (analysis.divergenceStep >= 0) {
    marks.push({ step: analysis.divergenceStep, label: 'diverged', color: COLORS.vermillion });
  }
  const { context, box } = frame;
  for (const mark of marks) {
    const x = frame.xScale.toPixel(mark.step);
    applyStyle(context, { color: mark.color, width: 1, dash: [3, 3] });
    context.beginPath();
    context.moveTo(x, box.yMin);
    context.lineTo(x, box.yMax);
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = mark.color;
    context.font = '11px system-ui, sans-serif';
    context.textBaseline = 'top';
    const textWidth = context.measureText(mark.label).width;
    const right = x + 3 + textWidth <= box.xMax;
    context.textAlign = right ? 'left' : 'right';
    context.fillText(mark.label, right ? x + 3 : x - 3, box.yMin + 2);
  }
}

/** Draws values[0 … count − 1] against the step, decimated to the plot's pixel columns. */
function drawSeries(frame: Frame, values: Float64Array, count: number, style: LineStyle): void {
  const columns = Math.ceil(frame.box.xMax - frame.box.xMin);
  const indices = decimateColumns(values, count, columns);
  const xs = new Float64Array(indices.length);
  const ys = new Float64Array(indices.length);
  indices.forEach((index, i) => {
    xs[i] = frame.xScale.toPixel(index);
    ys[i] = frame.yScale.toPixel(values[index]!);
  });
  strokePieces(frame.context, clipPolyline(xs, ys, growBox(frame.box, 4)), style);
  if (count === 1) {
    dot(frame.context, xs[0]!, ys[0]!, 2.5, style.color);
  }
}

function drawHorizontalLine(frame: Frame, value: number, style: LineStyle): void {
  const y = frame.yScale.toPixel(value);
  if (!(y >= frame.box.yMin - 1 && y <= frame.box.yMax + 1)) {
    return;
  }
  applyStyle(frame.context, style);
  frame.context.beginPath();
  frame.context.moveTo(frame.box.xMin, y);
  frame.context.lineTo(frame.box.xMax, y);
  frame.context.stroke();
  frame.context.setLineDash([]);
}

/** Writes `label` just above the right end of the horizontal line at `value`, when it is in view. */
function labelHorizontalLine(frame: Frame, value: number, label: string): void {
  const y = frame.yScale.toPixel(value);
  if (!(y >= frame.box.yMin && y <= frame.box.yMax)) {
    return;
  }
  const { context } = frame;
  context.font = '12px system-ui, sans-serif';
  context.textAlign = 'right';
  context.textBaseline = y - 14 < frame.box.yMin ? 'top' : 'bottom';
  const textY = context.textBaseline === 'top' ? y + 2 : y - 2;
  context.fillStyle = 'rgba(255, 255, 255, 0.85)';
  const textWidth = context.measureText(label).width;
  context.fillRect(frame.box.xMax - 4 - textWidth - 2, context.textBaseline === 'top' ? textY - 1 : textY - 14, textWidth + 4, 15);
  context.fillStyle = COLORS.black;
  context.fillText(label, frame.box.xMax - 4, textY);
}

// ─── Phase plane ────────────────────────────────────────────────────────────────

function drawPhasePlane(frame: Frame, data: InspectorData): void {
  const { experiment, series, fixedPoints } = data;
  const ranges = data.ranges.phase;
  const { context, xScale, yScale } = frame;
  const bound = 2 / experiment.learningRate;

  drawAxes(frame, 'residual Δf', 'NTK eigenvalue λ');
  withPlotClip(frame, () => {
    // Unreachable region below the wedge λ ≥ 2|x||Δf + y|/m.
    const polygon = unreachablePolygon(experiment, ranges.residual, ranges.lambda);
    context.fillStyle = COLORS.unreachable;
    context.beginPath();
    for (let i = 0; i < polygon.length; i += 2) {
      const x = xScale.toPixel(polygon[i]!);
      const y = yScale.toPixel(polygon[i + 1]!);
      if (i === 0) {
        context.moveTo(x, y);
      } else {
        context.lineTo(x, y);
      }
    }
    context.closePath();
    context.fill();

    drawVectorField(frame, experiment, ranges);

    // λ = 2/η: minima below it are stable.
    drawHorizontalLine(frame, bound, STYLES.stabilityBound);

    // Δf = 0 is a branch of both nullclines and the line of minima; the stable part is thick.
    drawDataPolyline(frame, [0, 0], ranges.lambda, STYLES.minima);
    const stableLow = Math.max(fixedPoints.minima.lambdaMin, ranges.lambda[0]);
    const stableHigh = Math.min(bound, ranges.lambda[1]);
    if (stableLow < stableHigh) {
      drawDataPolyline(frame, [0, 0], [stableLow, stableHigh], STYLES.stableMinima);
    }

    drawCurve(frame, (residual) => residualNullcline(experiment, residual), ranges, STYLES.residualNullcline);
    drawCurve(frame, (residual) => lambdaNullcline(experiment, residual), ranges, STYLES.lambdaNullcline);
    drawCurve(frame, (residual) => eosManifold(experiment, residual), ranges, STYLES.eosManifold);

    drawTrajectory(frame, series);

    for (const point of visibleFixedPoints(fixedPoints.points, ranges)) {
      drawFixedPoint(context, xScale.toPixel(point.residual), yScale.toPixel(point.lambda), point);
    }
  });
  labelHorizontalLine(frame, bound, '2/η');
}

function drawVectorField(frame: Frame, experiment: Experiment, ranges: PhasePlaneRanges): void {
  const { box } = frame;
  const { columns, rows } = fieldGridSize(box.xMax - box.xMin, box.yMax - box.yMin, 30);
  // Nodes sit at the centres of grid cells, so no arrow lies on the plot's edge.
  const residualStep = (ranges.residual[1] - ranges.residual[0]) / columns;
  const lambdaStep = (ranges.lambda[1] - ranges.lambda[0]) / rows;
  const field = vectorField(
    experiment,
    [ranges.residual[0] + residualStep / 2, ranges.residual[1] - residualStep / 2],
    [ranges.lambda[0] + lambdaStep / 2, ranges.lambda[1] - lambdaStep / 2],
    columns,
    rows,
  );
  const length = Math.min(14, 0.55 * Math.min((box.xMax - box.xMin) / columns, (box.yMax - box.yMin) / rows));
  const glyphs = arrowGlyphs(field, frame.xScale, frame.yScale, length, 4);
  const { context } = frame;
  applyStyle(context, STYLES.field);
  context.beginPath();
  for (const glyph of glyphs) {
    context.moveTo(glyph.tailX, glyph.tailY);
    context.lineTo(glyph.tipX, glyph.tipY);
    context.moveTo(glyph.barbs[0], glyph.barbs[1]);
    context.lineTo(glyph.tipX, glyph.tipY);
    context.lineTo(glyph.barbs[2], glyph.barbs[3]);
  }
  context.stroke();
}

function drawCurve(frame: Frame, curve: (residual: number) => number, ranges: PhasePlaneRanges, style: LineStyle): void {
  const samples = Math.max(200, Math.ceil(2 * (frame.box.xMax - frame.box.xMin)));
  for (const piece of sampleCurve(curve, ranges.residual, ranges.lambda, samples)) {
    const pixels = new Float64Array(piece.length);
    for (let i = 0; i < piece.length; i += 2) {
      pixels[i] = frame.xScale.toPixel(piece[i]!);
      pixels[i + 1] = frame.yScale.toPixel(piece[i + 1]!);
    }
    strokePieces(frame.context, [pixels], style);
  }
}

function drawDataPolyline(frame: Frame, residuals: number[], lambdas: number[], style: LineStyle): void {
  const xs = residuals.map((value) => frame.xScale.toPixel(value));
  const ys = lambdas.map((value) => frame.yScale.toPixel(value));
  strokePieces(frame.context, clipPolyline(xs, ys, growBox(frame.box, 4)), style);
}

function drawTrajectory(frame: Frame, series: TrajectorySeries): void {
  if (series.count === 0) {
    return;
  }
  const { context, xScale, yScale, box } = frame;
  const path = trajectoryPath(series.residual, series.lambda, series.count, xScale, yScale, box, MAX_LINE_VERTICES);
  strokePieces(context, path.lines, STYLES.trajectory);

  context.fillStyle = STYLES.trajectory.color;
  for (let i = 0; i < path.dots.length; i += 2) {
    context.fillRect(path.dots[i]! - 0.75, path.dots[i + 1]! - 0.75, 1.5, 1.5);
  }
  const vertexCount = path.vertices.length / 2;
  if (vertexCount <= MAX_MARKED_VERTICES) {
    for (let i = 0; i < path.vertices.length; i += 2) {
      dot(context, path.vertices[i]!, path.vertices[i + 1]!, 2, STYLES.trajectory.color);
    }
  }

  const startX = xScale.toPixel(series.residual[0]!);
  const startY = yScale.toPixel(series.lambda[0]!);
  const endX = xScale.toPixel(series.residual[series.count - 1]!);
  const endY = yScale.toPixel(series.lambda[series.count - 1]!);
  if (series.count > 1 && inBox(endX, endY, box)) {
    context.beginPath();
    context.arc(endX, endY, 5, 0, 2 * Math.PI);
    context.fillStyle = COLORS.vermillion;
    context.fill();
    context.lineWidth = 1;
    context.strokeStyle = COLORS.black;
    context.stroke();
  }
  if (inBox(startX, startY, box)) {
    context.beginPath();
    context.arc(startX, startY, 4.5, 0, 2 * Math.PI);
    context.fillStyle = '#ffffff';
    context.fill();
    context.lineWidth = 1.75;
    context.strokeStyle = COLORS.black;
    context.stroke();
  }
  if (path.lineStates < series.count) {
    context.font = '11px system-ui, sans-serif';
    context.textAlign = 'left';
    context.textBaseline = 'bottom';
    context.fillStyle = '#444';
    context.fillText(`states after step ${path.lineStates - 1}: dots`, box.xMin + 4, box.yMax - 4);
  }
}

/** Draws a fixed point as a square whose fill gives its stability: full (stable), half (saddle) or empty (unstable). */
function drawFixedPoint(context: CanvasRenderingContext2D, x: number, y: number, point: FixedPoint): void {
  const half = 5;
  context.fillStyle = '#ffffff';
  context.fillRect(x - half, y - half, 2 * half, 2 * half);
  context.fillStyle = COLORS.black;
  if (point.stability === 'stable') {
    context.fillRect(x - half, y - half, 2 * half, 2 * half);
  } else if (point.stability === 'saddle') {
    context.fillRect(x - half, y - half, half, 2 * half);
  } else if (point.stability === 'neutral') {
    context.fillStyle = COLORS.grey;
    context.fillRect(x - half, y - half, 2 * half, 2 * half);
  }
  context.lineWidth = 1.5;
  context.strokeStyle = COLORS.black;
  context.setLineDash([]);
  context.strokeRect(x - half, y - half, 2 * half, 2 * half);
}

// ─── Axes and drawing helpers ───────────────────────────────────────────────────

/** Draws the frame, grid lines, tick labels and axis titles. */
function drawAxes(frame: Frame, xTitle: string, yTitle: string): void {
  const { context, box, xScale, yScale } = frame;
  const xCount = Math.max(2, Math.floor((box.xMax - box.xMin) / 80));
  const yCount = Math.max(2, Math.floor((box.yMax - box.yMin) / 32));
  const xTicks = axisTicks(xScale, xCount);
  const yTicks = axisTicks(yScale, yCount);

  context.lineWidth = 1;
  context.setLineDash([]);
  context.strokeStyle = COLORS.grid;
  context.beginPath();
  for (const tick of xTicks) {
    const x = Math.round(xScale.toPixel(tick.value)) + 0.5;
    context.moveTo(x, box.yMin);
    context.lineTo(x, box.yMax);
  }
  for (const tick of yTicks) {
    const y = Math.round(yScale.toPixel(tick.value)) + 0.5;
    context.moveTo(box.xMin, y);
    context.lineTo(box.xMax, y);
  }
  context.stroke();

  context.strokeStyle = COLORS.axis;
  context.strokeRect(box.xMin + 0.5, box.yMin + 0.5, box.xMax - box.xMin - 1, box.yMax - box.yMin - 1);
  context.fillStyle = COLORS.axis;
  context.font = '11px system-ui, sans-serif';

  context.beginPath();
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const tick of xTicks) {
    const x = Math.round(xScale.toPixel(tick.value)) + 0.5;
    context.moveTo(x, box.yMax);
    context.lineTo(x, box.yMax + 4);
    context.fillText(tick.label, x, box.yMax + 6);
  }
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const tick of yTicks) {
    const y = Math.round(yScale.toPixel(tick.value)) + 0.5;
    context.moveTo(box.xMin - 4, y);
    context.lineTo(box.xMin, y);
    context.fillText(tick.label, box.xMin - 6, y);
  }
  context.stroke();

  context.font = '12px system-ui, sans-serif';
  context.fillStyle = '#111';
  context.textAlign = 'center';
  context.textBaseline = 'bottom';
  context.fillText(xTitle, (box.xMin + box.xMax) / 2, frame.height - 2);
  context.save();
  context.translate(12, (box.yMin + box.yMax) / 2);
  context.rotate(-Math.PI / 2);
  context.textBaseline = 'middle';
  context.fillText(yTitle, 0, 0);
  context.restore();
}

function axisTicks(scale: AxisScale, count: number): Array<{ value: number; label: string }> {
  const [low, high] = scale.domain;
  if (scale.log) {
    return logTicks(low, high, count).map((value) => ({ value, label: formatTick(value, value) }));
  }
  const step = niceTickStep(low, high, count);
  return niceLinearTicks(low, high, count).map((value) => ({ value, label: formatTick(value, step) }));
}

function withPlotClip(frame: Frame, draw: () => void): void {
  const { context, box } = frame;
  context.save();
  context.beginPath();
  context.rect(box.xMin, box.yMin, box.xMax - box.xMin, box.yMax - box.yMin);
  context.clip();
  draw();
  context.restore();
}

function applyStyle(context: CanvasRenderingContext2D, style: LineStyle): void {
  context.strokeStyle = style.color;
  context.lineWidth = style.width;
  context.setLineDash([...style.dash]);
  context.lineJoin = 'round';
  context.lineCap = 'butt';
}

function strokePieces(context: CanvasRenderingContext2D, pieces: Float64Array[], style: LineStyle): void {
  applyStyle(context, style);
  context.beginPath();
  for (const piece of pieces) {
    context.moveTo(piece[0]!, piece[1]!);
    for (let i = 2; i < piece.length; i += 2) {
      context.lineTo(piece[i]!, piece[i + 1]!);
    }
  }
  context.stroke();
  context.setLineDash([]);
}

function dot(context: CanvasRenderingContext2D, x: number, y: number, radius: number, color: string): void {
  if (!(Number.isFinite(x) && Number.isFinite(y))) {
    return;
  }
  context.beginPath();
  context.arc(x, y, radius, 0, 2 * Math.PI);
  context.fillStyle = color;
  context.fill();
}

function inBox(x: number, y: number, box: Box): boolean {
  return x >= box.xMin && x <= box.xMax && y >= box.yMin && y <= box.yMax;
}

