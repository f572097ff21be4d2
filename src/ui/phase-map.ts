/**
 * `<eos-phase-map>`: the current layer of a view in a WebGPU canvas, with axes,
 * tick labels and the pointer interactions: wheel zoom about the pointer,
 * drag to pan, shift-drag to zoom into a box, click to pick a pixel.
 *
 * While a new view computes, the previous picture is drawn stretched into the
 * place its axes occupy in the new view (reprojection).
 */
import { css, html, LitElement, svg, type PropertyValues } from 'lit';
import { colorizeLayer, type ColorizeOptions } from '../core/colormaps.ts';
import { LAYER_NAMES, type LayerName, type ViewLayers } from '../core/layers.ts';
import { AXIS_LABELS, type Axis, type View } from '../core/view.ts';
import { createLogger } from '../core/logger.ts';
import { CanvasPresenter, type ImageRect } from '../gpu/canvas-presenter.ts';
import { layoutAxisTicks, offsetAxisTitle, type AxisTickLayout } from './ticks.ts';
import { axisFraction, reprojectRect } from './view-geometry.ts';
import { plotStyles } from './plot-styles.ts';
import { PlotNavigationController, type PlotPoint } from './plot-navigation.ts';
import { tileBoundaries } from './tile-outlines.ts';

/** The picture on display: the layers of a view and, on WebGPU, their GPU buffer and device. */
export interface MapImage {
  view: View;
  layers: ViewLayers;
  results: GPUBuffer | undefined;
  device: GPUDevice | undefined;
  /** First pixel of each of the engine's tiles (WebGPU renders), for the tile outlines. */
  tileStarts?: number[];
}

/** Detail of `view-requested`: the axes to show next. */
export interface ViewRequest {
  x: Axis;
  y: Axis;
}

/** Detail of `pixel-selected` and `pointer-moved`: a pixel of the image's view. `pointer-moved` sends null off the image. */
export interface PixelEvent {
  column: number;
  row: number;
}

const log = createLogger('ui');

const MARGIN = { left: 64, right: 12, top: 12, bottom: 48 };

/** Font size of the tick labels (the host's font), in CSS pixels. */
const TICK_FONT_SIZE = 12;
/** Baseline of the rotated y title, from the left edge. */
const Y_TITLE_X = 14;
/** Gap between the plot's left edge and the right end of the y labels. */
const Y_LABEL_INSET = 8;
/** Width left for the y labels between the y title (its descenders reach about 4 px right of its baseline) and the plot. */
const Y_LABEL_ROOM = MARGIN.left - Y_LABEL_INSET - (Y_TITLE_X + 6);

export class PhaseMap extends LitElement {
  static override properties = {
    image: { attribute: false },
    // The page builds these objects on every render; only a change of value counts.
    axes: { attribute: false, hasChanged: changedByValue },
    layer: { attribute: false },
    colorize: { attribute: false, hasChanged: changedByValue },
    size: { type: Number },
    cursor: { attribute: false },
    rowMark: { attribute: false },
    showTiles: { attribute: false },
  };

  static override styles = [
    plotStyles,
    css`
    text {
      fill: #222;
    }
    .cursor {
      stroke: #0072b2;
    }
    .row-mark {
      stroke: #fff;
      stroke-width: 1;
      stroke-dasharray: 6 4;
    }
    .tile {
      fill: none;
      stroke: #ff00ff;
      stroke-width: 1;
    }
    .title {
      font-weight: 600;
      font-size: 13px;
    }
    `,
  ];

  /** The picture to draw (the last finished render). */
  declare image: MapImage | undefined;
  /** The axes on display; they differ from the image's while a new view computes. */
  declare axes: ViewRequest | undefined;
  declare layer: LayerName;
  declare colorize: ColorizeOptions | undefined;
  /** Side of the square plot area in CSS pixels. */
  declare size: number;
  /** Value of the x parameter at which to draw a vertical cursor, or undefined for none. */
  declare cursor: number | undefined;
  /** Value of the y parameter at which to draw a horizontal line (the bifurcation diagram's row), or undefined. */
  declare rowMark: number | undefined;
  /** Whether to outline the engine's tiles (the `tiles=1` debug flag). */
  declare showTiles: boolean;

  private presenter: CanvasPresenter | undefined;
  private presenterDevice: GPUDevice | undefined;
  /** Wheel zoom, drag pan and shift-drag box zoom, shared with the bifurcation diagram. */
  private readonly navigation = new PlotNavigationController<Axis>(this, {
    size: () => ({ width: this.size, height: this.size }),
    axes: () => this.axes,
    onRequest: (axes) => this.requestView(axes),
    onPick: (point) => this.pick(point),
    onHover: (point) => this.hover(point),
  });
  private hostImage: ImageBitmap | HTMLCanvasElement | undefined;
  private frame = 0;

  constructor() {
    super();
    this.image = undefined;
    this.axes = undefined;
    this.layer = 'phase';
    this.colorize = undefined;
    this.size = 512;
    this.cursor = undefined;
    this.rowMark = undefined;
    this.showTiles = false;
  }

  override render() {
    const size = this.size;
    const width = MARGIN.left + size + MARGIN.right;
    const height = MARGIN.top + size + MARGIN.bottom;
    const axes = this.navigation.previewAxes ?? this.axes;
    const gpu = this.image?.device !== undefined;
    const canvasStyle = `left:${MARGIN.left}px;top:${MARGIN.top}px;width:${size}px;height:${size}px`;
    return html`
      <div style="width:${width}px;height:${height}px"></div>
      ${this.renderCanvas('gpu', canvasStyle, gpu)} ${this.renderCanvas('host', canvasStyle, !gpu)}
      <svg width=${width} height=${height}>${axes === undefined ? null : this.renderAxes(axes)} ${this.renderTiles()} ${this.renderLinks(axes)} ${this.renderBox()}</svg>
    `;
  }

  /** Renders one of the two canvases, `gpu` (WebGPU) or `host` (2D, for the CPU engine). Only one is shown. */
  private renderCanvas(id: 'gpu' | 'host', style: string, visible: boolean) {
    return html`<canvas
      id=${id}
      tabindex="0"
      aria-label="phase map"
      style="${style};display:${visible ? 'block' : 'none'}"
      @wheel=${this.navigation.onWheel}
      @pointerdown=${this.navigation.onPointerDown}
      @pointermove=${this.navigation.onPointerMove}
      @pointerup=${this.navigation.onPointerUp}
      @pointerleave=${this.navigation.onPointerLeave}
    ></canvas>`;
  }

  private renderAxes(axes: ViewRequest) {
    const size = this.size;
    const x = axes.x;
    const y = axes.y;
    const xLayout = layoutAxisTicks(x, { maxCount: 8, length: size, fontSize: TICK_FONT_SIZE, direction: 'horizontal' });
    const yLayout = layoutAxisTicks(y, { maxCount: 8, length: size, fontSize: TICK_FONT_SIZE, direction: 'vertical', maxLabelWidth: Y_LABEL_ROOM });
    const left = MARGIN.left;
    const top = MARGIN.top;
    return svg`
      <rect x=${left} y=${top} width=${size} height=${size} fill="none" stroke="#444"></rect>
      ${xLayout.ticks.map((tick) => {
        const px = left + axisFraction(x, tick.value) * size;
        return svg`<line x1=${px} x2=${px} y1=${top + size} y2=${top + size + 5} stroke="#444"></line>
          <text x=${px} y=${top + size + 18} text-anchor="middle" class="x-tick">${tick.label}</text>`;
      })}
      ${yLayout.ticks.map((tick) => {
        const py = top + (1 - axisFraction(y, tick.value)) * size;
        return svg`<line x1=${left - 5} x2=${left} y1=${py} y2=${py} stroke="#444"></line>
          <text x=${left - Y_LABEL_INSET} y=${py + 4} text-anchor="end" class="y-tick">${tick.label}</text>`;
      })}
      <text class="title" x=${left + size / 2} y=${top + size + 40} text-anchor="middle">${axisTitle(x, xLayout)}</text>
      <text class="title" transform="translate(${Y_TITLE_X} ${top + size / 2}) rotate(-90)" text-anchor="middle">${axisTitle(y, yLayout)}</text>
    `;
  }

  /** Draws the cursor and the row of the linked bifurcation diagram. */
  private renderLinks(axes: ViewRequest | undefined) {
    if (axes === undefined) {
      return null;
    }
    const size = this.size;
    const lines = [];
    const x = this.cursor === undefined ? NaN : axisFraction(axes.x, this.cursor);
    if (x >= 0 && x <= 1) {
      const px = MARGIN.left + x * size;
      lines.push(svg`<line class="cursor" x1=${px} x2=${px} y1=${MARGIN.top} y2=${MARGIN.top + size}></line>`);
    }
    const y = this.rowMark === undefined ? NaN : axisFraction(axes.y, this.rowMark);
    if (y >= 0 && y <= 1) {
      const py = MARGIN.top + (1 - y) * size;
      lines.push(svg`<line class="row-mark" x1=${MARGIN.left} x2=${MARGIN.left + size} y1=${py} y2=${py}></line>`);
    }
    return lines;
  }

  /** Outlines the tiles of the image on display, unless a zoom or pan is being previewed. */
  private renderTiles() {
    const image = this.image;
    if (!this.showTiles || image?.tileStarts === undefined || this.navigation.previewAxes !== undefined) {
      return null;
    }
    const { columns, rows } = image.view;
    const scaleX = this.size / columns;
    const scaleY = this.size / rows;
    return tileBoundaries(image.tileStarts, columns, rows).map((boundary) => {
      const points = boundary.map((point) => `${MARGIN.left + point.x * scaleX},${MARGIN.top + point.y * scaleY}`).join(' ');
      return svg`<polyline class="tile" points=${points}></polyline>`;
    });
  }

  private renderBox() {
    const box = this.navigation.box;
    if (box === undefined) {
      return null;
    }
    return svg`<rect class="box" x=${box.left + MARGIN.left} y=${box.top + MARGIN.top} width=${box.width} height=${box.height}></rect>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('image') || changed.has('layer') || changed.has('colorize') || changed.has('size')) {
      this.showImage().catch((error: unknown) => {
        // A device lost between the render and the drawing: the next image brings the new device.
        log.warn('device', `drawing the view failed: ${(error as Error).message}`);
      });
    } else {
      // New axes, or a gesture's preview axes: draw the picture where it falls in them.
      this.drawImage();
    }
  }

  /** Colours the current layer into the canvas (on the GPU when the image lives there). */
  private async showImage(): Promise<void> {
    const image = this.image;
    const colorize = this.colorize;
    if (image === undefined) {
      this.clear();
      return;
    }
    if (colorize === undefined) {
      return;
    }
    const layerIndex = LAYER_NAMES.indexOf(this.layer);
    const gpuCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('#gpu')!;
    const hostCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('#host')!;
    const pixelRatio = globalThis.devicePixelRatio ?? 1;
    for (const canvas of [gpuCanvas, hostCanvas]) {
      // Setting the size clears a canvas, so it is set only when it changes.
      const side = Math.round(this.size * pixelRatio);
      if (canvas.width !== side || canvas.height !== side) {
        canvas.width = side;
        canvas.height = side;
      }
    }
    const { columns, rows } = image.view;
    if (image.device !== undefined) {
      if (this.presenter === undefined || this.presenterDevice !== image.device) {
        this.presenter?.destroy();
        this.presenter = new CanvasPresenter(image.device, gpuCanvas);
        this.presenterDevice = image.device;
      }
      if (image.results !== undefined) {
        await this.presenter.showLayer(image.results, columns, rows, layerIndex, colorize);
      } else {
        this.presenter.showPixels(colorizeLayer(image.layers[this.layer], colorize), columns, rows);
      }
    } else {
      const pixels = colorizeLayer(image.layers[this.layer], colorize);
      const offscreen = document.createElement('canvas');
      offscreen.width = columns;
      offscreen.height = rows;
      offscreen.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(pixels), columns, rows), 0, 0);
      this.hostImage = offscreen;
    }
    this.drawImage();
    this.dispatchEvent(new CustomEvent('image-drawn', { bubbles: true, composed: true }));
  }

  /** Blanks the canvases, so no stale picture sits under axes it does not belong to. */
  private clear(): void {
    this.hostImage = undefined;
    this.presenter?.draw({ left: 2, top: 2, right: 3, bottom: 3 });
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('#host');
    const context = canvas?.getContext('2d');
    if (canvas !== null && canvas !== undefined && context !== null && context !== undefined) {
      context.fillStyle = '#eee';
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
  }

  /** Draws the current image where its axes fall within the axes on display. */
  private drawImage(): void {
    const image = this.image;
    const axes = this.navigation.previewAxes ?? this.axes ?? (image === undefined ? undefined : { x: image.view.x, y: image.view.y });
    if (image === undefined || axes === undefined) {
      return;
    }
    let rect = reprojectRect(image.view.x, image.view.y, axes.x, axes.y);
    if (![rect.left, rect.top, rect.right, rect.bottom].every(Number.isFinite)) {
      // The old picture has no place in the new axes (another parameter, or a log axis
      // over values ≤ 0): draw only the background until the new picture arrives.
      rect = { left: 2, top: 2, right: 3, bottom: 3 };
    }
    if (image.device !== undefined) {
      // Draw in an animation frame: a canvas texture drawn earlier in the same task as
      // the canvas was resized or shown can be dropped before it is composited.
      cancelAnimationFrame(this.frame);
      this.frame = requestAnimationFrame(() => this.presenter?.draw(rect));
      return;
    }
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('#host');
    const context = canvas?.getContext('2d');
    if (canvas === null || canvas === undefined || context === null || context === undefined || this.hostImage === undefined) {
      return;
    }
    context.fillStyle = '#eee';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.imageSmoothingEnabled = false;
    drawInto(context, this.hostImage, rect, canvas.width, canvas.height);
  }

  /** Returns the pixel of the image's view under a canvas position, or undefined outside it. */
  private pixelAt(x: number, y: number): PixelEvent | undefined {
    const image = this.image;
    const axes = this.axes;
    if (image === undefined || axes === undefined) {
      return undefined;
    }
    const rect = reprojectRect(image.view.x, image.view.y, axes.x, axes.y);
    const u = (x / this.size - rect.left) / (rect.right - rect.left);
    const v = (y / this.size - rect.top) / (rect.bottom - rect.top);
    if (!(u >= 0 && u < 1 && v >= 0 && v < 1)) {
      return undefined;
    }
    return { column: Math.floor(u * image.view.columns), row: Math.floor(v * image.view.rows) };
  }

  /** Sends the pixel under a click without a drag as `pixel-selected`. */
  private pick(point: PlotPoint): void {
    const pixel = this.pixelAt(point.x * this.size, point.y * this.size);
    if (pixel !== undefined) {
      this.dispatchEvent(new CustomEvent<PixelEvent>('pixel-selected', { detail: pixel, bubbles: true, composed: true }));
    }
  }

  /** Sends the pixel under the pointer as `pointer-moved`, with null off the image. */
  private hover(point: PlotPoint | undefined): void {
    const pixel = point === undefined ? undefined : this.pixelAt(point.x * this.size, point.y * this.size);
    // null, not undefined: a CustomEvent turns an undefined detail into null.
    this.dispatchEvent(new CustomEvent<PixelEvent | null>('pointer-moved', { detail: pixel ?? null, bubbles: true, composed: true }));
  }

  private requestView(request: ViewRequest): void {
    this.dispatchEvent(new CustomEvent<ViewRequest>('view-requested', { detail: request, bubbles: true, composed: true }));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.presenter?.destroy();
    this.presenter = undefined;
  }
}

function changedByValue(value: unknown, old: unknown): boolean {
  return JSON.stringify(value) !== JSON.stringify(old);
}


function axisTitle(axis: Axis, layout: AxisTickLayout): string {
  return `${offsetAxisTitle(AXIS_LABELS[axis.parameter], layout)}${axis.scale === 'log' ? ' (log scale)' : ''}`;
}

function drawInto(context: CanvasRenderingContext2D, source: CanvasImageSource, rect: ImageRect, width: number, height: number): void {
  context.drawImage(source, rect.left * width, rect.top * height, (rect.right - rect.left) * width, (rect.bottom - rect.top) * height);
}


customElements.define('eos-phase-map', PhaseMap);

declare global {
  interface HTMLElementTagNameMap {
    'eos-phase-map': PhaseMap;
  }
}
