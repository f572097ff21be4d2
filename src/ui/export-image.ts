/**
 * Renders a view to a PNG at a chosen size, independent of the window, with the
 * view's state in the file's metadata so that dropping the file on the page (or
 * passing it to `eos-atlas render --png`) restores the view.
 *
 * Up to {@link SINGLE_RENDER_PIXELS} pixels the view renders in one piece, exactly
 * as the page and the CLI render it. Larger images render in bands of rows, each a
 * view of its own whose y axis spans the band, which keeps memory bounded.
 */
import { colorizeLayer, describeColormapLegend, type ColorizeOptions } from '../core/colormaps.ts';
import { LAYERS } from '../core/layers.ts';
import { encodePng, deflateWithCompressionStream, PNG_VERSION_KEY, PNG_VIEW_KEY } from '../core/png.ts';
import { encodeAppState, type AppState } from '../core/url-state.ts';
import { AXIS_LABELS, createView, type Axis } from '../core/view.ts';
import { resolveRenderPrecision, type Engine } from '../gpu/engine.ts';
import { layoutAxisTicks, offsetAxisTitle, type AxisTickLayout } from './ticks.ts';
import { axisAt, axisFraction, type RangeAxis } from './view-geometry.ts';

/** Largest image that renders as one view; larger ones render in bands of rows. */
export const SINGLE_RENDER_PIXELS = 4_194_304;

/** Largest side of an exported image. */
export const MAX_EXPORT_SIDE = 16_384;

/** Decorations drawn around the map. */
export interface ExportDecorations {
  axes: boolean;
  title: boolean;
  colorbar: boolean;
}

/** Options of {@link exportViewPng}. */
export interface ExportOptions {
  /** Map pixels across: one pixel per trajectory. */
  width: number;
  /** Map pixels down. */
  height: number;
  decorations: ExportDecorations;
  /** Colour options, normally those of the picture on screen, so the export matches it. */
  colorize: ColorizeOptions;
  version: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
  /** Pixels up to which the map renders in one piece (default {@link SINGLE_RENDER_PIXELS}). */
  bandPixels?: number;
}

/**
 * Renders the map pixels of `state` at width × height, in one piece or in bands, all
 * in the precision that `state.debug.precision` gives for the whole image.
 */
async function renderMap(engine: Engine, state: AppState, options: ExportOptions): Promise<Uint8ClampedArray> {
  const { width, height } = options;
  // Chosen once, because with auto each band alone could resolve in a different precision.
  const precision = resolveRenderPrecision(createView(state.view), state.debug.precision, engine.precisions);
  const pixels = new Uint8ClampedArray(width * height * 4);
  const limit = options.bandPixels ?? SINGLE_RENDER_PIXELS;
  const bandRows = width * height <= limit ? height : Math.max(1, Math.floor(limit / width));
  const y = state.view.y;
  for (let first = 0; first < height; first += bandRows) {
    const rows = Math.min(bandRows, height - first);
    // The band's y axis runs between the band's edges, so its pixel centres are the full view's.
    const bandY: Axis =
      rows === height ? y : { ...y, max: axisAt(y, 1 - first / height), min: axisAt(y, 1 - (first + rows) / height) };
    // Seeds count rows from the top of the whole image, so sampled bands match one render.
    const view = createView({ ...state.view, y: bandY, columns: width, rows, seedRowOffset: first });
    const result = await engine.render(view, { signal: options.signal, precision, keepResults: false });
    pixels.set(colorizeLayer(result.layers[state.layer], options.colorize), first * width * 4);
    options.onProgress?.((first + rows) / height);
  }
  return pixels;
}

/** Renders the view and returns the PNG file, with the view and version in its metadata. */
export async function exportViewPng(engine: Engine, state: AppState, options: ExportOptions): Promise<Uint8Array> {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_EXPORT_SIDE || height > MAX_EXPORT_SIDE) {
    throw new RangeError(`The export size must be whole pixels from 1 to ${MAX_EXPORT_SIDE} per side; got ${width} × ${height}.`);
  }
  // The file records the colour range actually used, so its view recolours identically
  // even where the page chose the range automatically.
  const colormap =
    options.colorize.mode === 'continuous' ? { ...state.colormap, min: options.colorize.min, max: options.colorize.max } : state.colormap;
  const exported: AppState = { ...state, colormap, view: { ...state.view, columns: width, rows: height } };
  const map = await renderMap(engine, exported, options);
  const decorated = decorate(map, exported, options);
  const texts = { [PNG_VIEW_KEY]: encodeAppState(exported), [PNG_VERSION_KEY]: options.version };
  return encodePng(decorated.rgba, decorated.width, decorated.height, texts, deflateWithCompressionStream);
}

/** Draws axes, title and colour bar around the map of a view. */
function decorate(map: Uint8ClampedArray, state: AppState, options: ExportOptions): DecoratedImage {
  const view = createView(state.view);
  const experiment = view.experiment;
  return decorateImage(map, options.width, options.height, options.decorations, {
    x: view.x,
    y: view.y,
    xLabel: AXIS_LABELS[view.x.parameter],
    yLabel: AXIS_LABELS[view.y.parameter],
    title: `${LAYERS[state.layer].label} · n = ${experiment.width}, s = ${experiment.parameterization}, ${experiment.steps} steps`,
    drawKey: (context, x, top, unit, font) => drawColorKey(context, options.colorize, x, top, unit, font),
  });
}

/** An image with its decorations, in RGBA8. */
export interface DecoratedImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Content of the decorations around an exported picture. */
export interface ImageFrame {
  x: RangeAxis;
  y: RangeAxis;
  xLabel: string;
  yLabel: string;
  title: string;
  /** Draws the colour key with its top left corner at (x, top), for text of size `font` and a scale `unit`. */
  drawKey: (context: OffscreenCanvasRenderingContext2D, x: number, top: number, unit: number, font: number) => void;
}

/** Draws axes, title and colour key around a picture on a 2D canvas; returns the picture alone when none is asked for. */
export function decorateImage(map: Uint8ClampedArray, width: number, height: number, decorations: ExportDecorations, frame: ImageFrame): DecoratedImage {
  if (!decorations.axes && !decorations.title && !decorations.colorbar) {
    return { rgba: map, width, height };
  }
  // Text and margins grow with the image, so a large export keeps legible labels.
  const unit = Math.max(1, Math.min(width, height) / 512);
  const font = Math.round(13 * unit);
  const left = decorations.axes ? Math.round(70 * unit) : Math.round(10 * unit);
  const bottom = decorations.axes ? Math.round(56 * unit) : Math.round(10 * unit);
  const top = decorations.title ? Math.round(36 * unit) : Math.round(10 * unit);
  const right = decorations.colorbar ? Math.round(170 * unit) : Math.round(10 * unit);
  const canvas = new OffscreenCanvas(left + width + right, top + height + bottom);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.putImageData(new ImageData(new Uint8ClampedArray(map), width, height), left, top);
  context.fillStyle = '#111111';
  context.strokeStyle = '#333333';
  context.lineWidth = Math.max(1, unit);
  context.font = `${font}px sans-serif`;

  if (decorations.axes) {
    context.strokeRect(left, top, width, height);
    const yLabelInset = 9 * unit;
    const yTitleX = 16 * unit;
    const drawTicks = (axis: RangeAxis, horizontal: boolean): AxisTickLayout => {
      // The y labels end where the y title's descenders (about 5 units right of its baseline) begin.
      const layout = horizontal
        ? layoutAxisTicks(axis, { maxCount: 8, length: width, fontSize: font, direction: 'horizontal' })
        : layoutAxisTicks(axis, { maxCount: 8, length: height, fontSize: font, direction: 'vertical', maxLabelWidth: left - yLabelInset - (yTitleX + 5 * unit) });
      for (const { value, label } of layout.ticks) {
        const t = axisFraction(axis, value);
        if (horizontal) {
          const x = left + t * width;
          context.beginPath();
          context.moveTo(x, top + height);
          context.lineTo(x, top + height + 6 * unit);
          context.stroke();
          // Labels at the plot's ends move inwards rather than past the image's edges.
          const halfWidth = context.measureText(label).width / 2;
          context.textAlign = 'center';
          context.fillText(label, Math.min(Math.max(x, halfWidth), canvas.width - halfWidth), top + height + 20 * unit);
        } else {
          const yPosition = top + (1 - t) * height;
          context.beginPath();
          context.moveTo(left - 6 * unit, yPosition);
          context.lineTo(left, yPosition);
          context.stroke();
          context.textAlign = 'right';
          context.fillText(label, left - yLabelInset, yPosition + font / 3);
        }
      }
      return layout;
    };
    const xLayout = drawTicks(frame.x, true);
    const yLayout = drawTicks(frame.y, false);
    context.textAlign = 'center';
    context.fillText(offsetAxisTitle(frame.xLabel, xLayout), left + width / 2, top + height + 44 * unit);
    context.save();
    context.translate(yTitleX, top + height / 2);
    context.rotate(-Math.PI / 2);
    context.fillText(offsetAxisTitle(frame.yLabel, yLayout), 0, 0);
    context.restore();
  }

  if (decorations.title) {
    context.textAlign = 'left';
    context.font = `bold ${font}px sans-serif`;
    context.fillText(frame.title, left, top - 12 * unit);
    context.font = `${font}px sans-serif`;
  }

  if (decorations.colorbar) {
    frame.drawKey(context, left + width + 16 * unit, top, unit, font);
  }
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  return { rgba: image.data, width: canvas.width, height: canvas.height };
}

function drawColorKey(context: OffscreenCanvasRenderingContext2D, colorize: ColorizeOptions, x: number, top: number, unit: number, font: number): void {
  const legend = describeColormapLegend(colorize.map);
  context.textAlign = 'left';
  if (legend.kind === 'categorical') {
    legend.entries.forEach((entry, index) => {
      const y = top + index * (font + 6 * unit);
      context.fillStyle = `rgb(${entry.color[0]}, ${entry.color[1]}, ${entry.color[2]})`;
      context.fillRect(x, y, font, font);
      context.fillStyle = '#111111';
      context.fillText(entry.label, x + font + 6 * unit, y + font * 0.85);
    });
    return;
  }
  const barHeight = Math.round(256 * unit);
  const barWidth = Math.round(18 * unit);
  for (let i = 0; i < barHeight; i++) {
    const index = Math.min(255, Math.floor(((barHeight - 1 - i) / barHeight) * 256)) * 4;
    context.fillStyle = `rgb(${legend.lut[index]}, ${legend.lut[index + 1]}, ${legend.lut[index + 2]})`;
    context.fillRect(x, top + i, barWidth, 1);
  }
  const low = colorize.scale === 'symmetric' ? -Math.max(Math.abs(colorize.min), Math.abs(colorize.max)) : colorize.min;
  const high = colorize.scale === 'symmetric' ? -low : colorize.max;
  context.fillStyle = '#111111';
  context.fillText(String(Number(high.toPrecision(4))), x + barWidth + 6 * unit, top + font);
  context.fillText(String(Number(low.toPrecision(4))), x + barWidth + 6 * unit, top + barHeight);
  if (colorize.scale === 'log') {
    context.fillText('log scale', x + barWidth + 6 * unit, top + barHeight / 2);
  }
}
