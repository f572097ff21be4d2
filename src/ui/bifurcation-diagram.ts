/**
 * `<eos-bifurcation-diagram>`: a tone-mapped density image with axes, a
 * vertical cursor, labelled marks (doubling points, onset of chaos, …) and the
 * phase map's pointer navigation: wheel zoom, drag to pan, shift-drag to zoom
 * into a box, click to pick a column.
 */
import { css, html, LitElement, svg, type PropertyValues } from 'lit';
import { AXIS_LABELS, type Axis } from '../core/view.ts';
import type { DiagramRange } from '../core/bifurcation-diagram.ts';
import { plotStyles } from './plot-styles.ts';
import { PlotNavigationController, type PlotAxes, type PlotPoint } from './plot-navigation.ts';
import { layoutAxisTicks, offsetAxisTitle } from './ticks.ts';
import { axisAt, axisFraction, reprojectRect, type RangeAxis } from './view-geometry.ts';

/** A computed picture: RGBA pixels and the axes they cover. */
export interface DiagramImage {
  x: Axis;
  y: DiagramRange;
  columns: number;
  rows: number;
  pixels: Uint8ClampedArray;
}

/** Detail of `range-requested`: the ranges to compute next. */
export interface DiagramRangeRequest {
  x: Axis;
  y: DiagramRange;
}

/** A labelled position on the x axis, such as a doubling point. */
export interface DiagramMark {
  value: number;
  label: string;
  /** Marks of higher priority get their labels placed first where labels crowd (default 0). */
  priority?: number;
}

const MARGIN = { left: 64, right: 12, top: 40, bottom: 48 };

/** Font size of the tick labels (the host's font), in CSS pixels. */
const TICK_FONT_SIZE = 12;
/** Baseline of the rotated y title, from the left edge. */
const Y_TITLE_X = 14;
/** Gap between the plot's left edge and the right end of the y labels. */
const Y_LABEL_INSET = 8;
/** Width left for the y labels between the y title (its descenders reach about 4 px right of its baseline) and the plot. */
const Y_LABEL_ROOM = MARGIN.left - Y_LABEL_INSET - (Y_TITLE_X + 6);

/** Lines of mark labels above the plot, and the least horizontal gap between two labels on one line. */
const MARK_LINES = 3;
const MARK_LABEL_GAP = 30;

export class BifurcationDiagramPlot extends LitElement {
  static override properties = {
    image: { attribute: false },
    axes: { attribute: false },
    yLabel: { attribute: false },
    cursor: { attribute: false },
    marks: { attribute: false },
    plotWidth: { type: Number },
    plotHeight: { type: Number },
  };

  static override styles = [
    plotStyles,
    css`
    .cursor {
      stroke: #0072b2;
      stroke-width: 1;
    }
    .mark {
      stroke: #009e73;
      stroke-dasharray: 3 3;
    }
    .mark-label {
      fill: #009e73;
      font-size: 11px;
    }
    .title {
      font-weight: 600;
      font-size: 13px;
    }
    `,
  ];

  /** The last computed picture. */
  declare image: DiagramImage | undefined;
  /** The ranges on display; they differ from the image's while a new picture computes. */
  declare axes: DiagramRangeRequest | undefined;
  /** Title of the vertical axis: the quantity. */
  declare yLabel: string;
  /** Value of the x parameter at which to draw the vertical cursor, or undefined for none. */
  declare cursor: number | undefined;
  declare marks: DiagramMark[];
  declare plotWidth: number;
  declare plotHeight: number;

  private hostImage: HTMLCanvasElement | undefined;

  private readonly navigation = new PlotNavigationController<RangeAxis>(this, {
    size: () => ({ width: this.plotWidth, height: this.plotHeight }),
    axes: () => this.axes,
    onRequest: (axes) => this.requestRanges(axes),
    onPick: (point) => this.pick(point),
    onHover: (point) => this.hover(point),
  });

  constructor() {
    super();
    this.image = undefined;
    this.axes = undefined;
    this.yLabel = '';
    this.cursor = undefined;
    this.marks = [];
    this.plotWidth = 512;
    this.plotHeight = 256;
  }

  override render() {
    const width = MARGIN.left + this.plotWidth + MARGIN.right;
    const height = MARGIN.top + this.plotHeight + MARGIN.bottom;
    const axes = this.shownAxes();
    const navigation = this.navigation;
    return html`
      <div style="width:${width}px;height:${height}px"></div>
      <canvas
        tabindex="0"
        aria-label="bifurcation diagram"
        style="left:${MARGIN.left}px;top:${MARGIN.top}px;width:${this.plotWidth}px;height:${this.plotHeight}px"
        @wheel=${navigation.onWheel}
        @pointerdown=${navigation.onPointerDown}
        @pointermove=${navigation.onPointerMove}
        @pointerup=${navigation.onPointerUp}
        @pointerleave=${navigation.onPointerLeave}
      ></canvas>
      <svg width=${width} height=${height}>${axes === undefined ? null : this.renderAxes(axes)} ${this.renderOverlay(axes)}</svg>
    `;
  }

  private shownAxes(): PlotAxes<RangeAxis> | undefined {
    return this.navigation.previewAxes ?? this.axes;
  }

  private renderAxes(axes: PlotAxes<RangeAxis>) {
    const { plotWidth: width, plotHeight: height } = this;
    const left = MARGIN.left;
    const top = MARGIN.top;
    const xLayout = layoutAxisTicks(axes.x, { maxCount: 8, length: width, fontSize: TICK_FONT_SIZE, direction: 'horizontal' });
    const yLayout = layoutAxisTicks(axes.y, { maxCount: 6, length: height, fontSize: TICK_FONT_SIZE, direction: 'vertical', maxLabelWidth: Y_LABEL_ROOM });
    const xTitle = `${offsetAxisTitle(AXIS_LABELS[(axes.x as Axis).parameter] ?? '', xLayout)}${axes.x.scale === 'log' ? ' (log scale)' : ''}`;
    const yTitle = `${offsetAxisTitle(this.yLabel, yLayout)}${axes.y.scale === 'log' ? ' (log scale)' : ''}`;
    return svg`
      <rect x=${left} y=${top} width=${width} height=${height} fill="none" stroke="#444"></rect>
      ${xLayout.ticks.map((tick) => {
        const px = left + axisFraction(axes.x, tick.value) * width;
        return svg`<line x1=${px} x2=${px} y1=${top + height} y2=${top + height + 5} stroke="#444"></line>
          <text x=${px} y=${top + height + 18} text-anchor="middle">${tick.label}</text>`;
      })}
      ${yLayout.ticks.map((tick) => {
        const py = top + (1 - axisFraction(axes.y, tick.value)) * height;
        return svg`<line x1=${left - 5} x2=${left} y1=${py} y2=${py} stroke="#444"></line>
          <text x=${left - Y_LABEL_INSET} y=${py + 4} text-anchor="end">${tick.label}</text>`;
      })}
      <text class="title" x=${left + width / 2} y=${top + height + 40} text-anchor="middle">${xTitle}</text>
      <text class="title" transform="translate(${Y_TITLE_X} ${top + height / 2}) rotate(-90)" text-anchor="middle">${yTitle}</text>
    `;
  }

  private renderOverlay(axes: PlotAxes<RangeAxis> | undefined) {
    if (axes === undefined) {
      return null;
    }
    const { plotWidth: width, plotHeight: height } = this;
    const left = MARGIN.left;
    const top = MARGIN.top;
    const xOf = (value: number) => left + axisFraction(axes.x, value) * width;
    const inside = (value: number) => {
      const t = axisFraction(axes.x, value);
      return t >= 0 && t <= 1;
    };
    const box = this.navigation.box;
    // Labels of close marks go on different lines. A label that finds no free line is left
    // out (its line stays), so the crowded points of the cascade never print over each other.
    // Labels are placed by priority, then from left to right.
    const taken: Array<Array<[number, number]>> = Array.from({ length: MARK_LINES }, () => []);
    const placeOrder = this.marks
      .filter((mark) => inside(mark.value))
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.value - b.value);
    const marks = placeOrder.map((mark) => {
      const x = xOf(mark.value);
      const span: [number, number] = [x - MARK_LABEL_GAP / 2, x + Math.max(MARK_LABEL_GAP / 2, 7 * mark.label.length)];
      const line = taken.findIndex((spans) => spans.every(([from, to]) => span[1] <= from || span[0] >= to));
      if (line < 0) {
        return { x, label: '', y: top };
      }
      taken[line]!.push(span);
      return { x, label: mark.label, y: top - 4 - line * 12 };
    });
    return svg`
      ${marks.map(
        (mark) => svg`<line class="mark" x1=${mark.x} x2=${mark.x} y1=${top} y2=${top + height}></line>
          <text class="mark-label" x=${mark.x + 2} y=${mark.y}>${mark.label}</text>`,
      )}
      ${this.cursor !== undefined && inside(this.cursor)
        ? svg`<line class="cursor" x1=${xOf(this.cursor)} x2=${xOf(this.cursor)} y1=${top} y2=${top + height}></line>`
        : null}
      ${box === undefined ? null : svg`<rect class="box" x=${left + box.left} y=${top + box.top} width=${box.width} height=${box.height}></rect>`}
    `;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('image')) {
      this.hostImage = this.image === undefined ? undefined : toCanvas(this.image);
    }
    this.draw();
  }

  /** Draws the image where its ranges fall within the ranges on display. */
  private draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (canvas === null || canvas === undefined || context === null || context === undefined) {
      return;
    }
    const pixelRatio = globalThis.devicePixelRatio ?? 1;
    const width = Math.round(this.plotWidth * pixelRatio);
    const height = Math.round(this.plotHeight * pixelRatio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.fillStyle = '#eee';
    context.fillRect(0, 0, width, height);
    const image = this.image;
    const axes = this.shownAxes();
    if (image === undefined || axes === undefined || this.hostImage === undefined) {
      return;
    }
    const rect = reprojectRect(image.x, image.y, axes.x, axes.y);
    if (![rect.left, rect.top, rect.right, rect.bottom].every(Number.isFinite)) {
      return;
    }
    context.imageSmoothingEnabled = false;
    context.drawImage(this.hostImage, rect.left * width, rect.top * height, (rect.right - rect.left) * width, (rect.bottom - rect.top) * height);
  }

  private requestRanges(axes: PlotAxes<RangeAxis>): void {
    const detail: DiagramRangeRequest = { x: axes.x as Axis, y: { min: axes.y.min, max: axes.y.max, scale: axes.y.scale } };
    this.dispatchEvent(new CustomEvent<DiagramRangeRequest>('range-requested', { detail, bubbles: true, composed: true }));
  }

  private valueAt(point: PlotPoint): number | undefined {
    const axes = this.axes;
    if (axes === undefined || !(point.x >= 0 && point.x <= 1)) {
      return undefined;
    }
    return axisAt(axes.x, point.x);
  }

  private pick(point: PlotPoint): void {
    const value = this.valueAt(point);
    if (value !== undefined) {
      this.dispatchEvent(new CustomEvent<number>('column-selected', { detail: value, bubbles: true, composed: true }));
    }
  }

  private hover(point: PlotPoint | undefined): void {
    const value = point === undefined ? undefined : this.valueAt(point);
    // null, not undefined: a CustomEvent turns an undefined detail into null.
    this.dispatchEvent(new CustomEvent<number | null>('cursor-moved', { detail: value ?? null, bubbles: true, composed: true }));
  }
}

function toCanvas(image: DiagramImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.columns;
  canvas.height = image.rows;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.pixels), image.columns, image.rows), 0, 0);
  return canvas;
}


customElements.define('eos-bifurcation-diagram', BifurcationDiagramPlot);

declare global {
  interface HTMLElementTagNameMap {
    'eos-bifurcation-diagram': BifurcationDiagramPlot;
  }
}
