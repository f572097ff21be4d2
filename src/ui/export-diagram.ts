/**
 * Renders the page's bifurcation diagram to a PNG at a chosen resolution, with
 * the page state in the file's metadata, like the phase-map export: dropping the
 * file on the page reopens the view with the diagram panel.
 */
import { DIAGRAM_QUANTITY_LABELS } from '../core/bifurcation-diagram.ts';
import { NAN_COLOR } from '../core/colorize-options.ts';
import { describeColormapLegend, LUT_SIZE } from '../core/colormaps.ts';
import { lostColumns, maxCount, toneIndex, toneMapDensity, type ToneOptions } from '../core/density-tone.ts';
import { diagramForView } from '../core/diagram-state.ts';
import { ValidationError } from '../core/errors.ts';
import { deflateWithCompressionStream, encodePng, PNG_VERSION_KEY, PNG_VIEW_KEY } from '../core/png.ts';
import { encodeAppState, type AppState } from '../core/url-state.ts';
import { AXIS_LABELS, createView } from '../core/view.ts';
import { renderDiagram } from '../gpu/diagram-engine.ts';
import type { Engine } from '../gpu/engine.ts';
import { decorateImage, MAX_EXPORT_SIDE, type ExportDecorations } from './export-image.ts';

/** PNG text key that names the figure of an export: `bifurcation-diagram` here. */
export const PNG_FIGURE_KEY = 'eos-atlas-figure';

/** Options of {@link exportDiagramPng}. */
export interface DiagramExportOptions {
  /** Diagram columns: one per learning-rate value. */
  width: number;
  /** Diagram rows: value bands of the quantity. */
  height: number;
  decorations: ExportDecorations;
  version: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Renders the diagram of `state` at width × height cells and returns the PNG file.
 *
 * @throws ValidationError when the state has no diagram panel, or when the size is not whole pixels from 1 to {@link MAX_EXPORT_SIDE}.
 */
export async function exportDiagramPng(engine: Engine, state: AppState, options: DiagramExportOptions): Promise<Uint8Array> {
  const { width, height } = options;
  if (state.diagram === undefined) {
    throw new ValidationError('bq', undefined, 'an open bifurcation diagram to export');
  }
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_EXPORT_SIDE) {
      throw new ValidationError(name, value, `whole pixels from 1 to ${MAX_EXPORT_SIDE}`);
    }
  }

  const panel = { ...state.diagram, columns: width, rows: height };
  const view = createView(state.view);
  const diagram = diagramForView(view, panel);
  const render = await renderDiagram(engine, diagram, {
    precision: state.debug.precision,
    signal: options.signal,
    onProgress: (progress) => options.onProgress?.(progress.done / progress.total),
  });

  const lost = lostColumns(render.density, diagram.samples);
  const pixels = toneMapDensity(render.density.counts, panel.tone, lost);
  const fixed = diagram.fixed;
  const experiment = view.experiment;
  const decorated = decorateImage(pixels, width, height, options.decorations, {
    x: diagram.x,
    y: diagram.y,
    xLabel: AXIS_LABELS[diagram.x.parameter],
    yLabel: DIAGRAM_QUANTITY_LABELS[diagram.quantity],
    title:
      `bifurcation diagram · n = ${experiment.width}, s = ${experiment.parameterization}` +
      `${fixed === undefined ? '' : `, ${AXIS_LABELS[fixed.parameter]} = ${Number(fixed.value.toPrecision(6))}`}` +
      ` · ${diagram.transient} + ${diagram.recorded} steps`,
    drawKey: (context, x, top, unit, font) => drawToneKey(context, panel.tone, maxCount(render.density.counts), lost.includes(1), height, x, top, unit, font),
  });

  const texts = {
    [PNG_VIEW_KEY]: encodeAppState({ ...state, diagram: panel }),
    [PNG_VERSION_KEY]: options.version,
    [PNG_FIGURE_KEY]: 'bifurcation-diagram',
  };
  return encodePng(decorated.rgba, decorated.width, decorated.height, texts, deflateWithCompressionStream);
}

/** Draws the tone key: the map from one visit (bottom) to the largest count (top). */
function drawToneKey(
  context: OffscreenCanvasRenderingContext2D,
  tone: ToneOptions,
  largest: number,
  anyLost: boolean,
  height: number,
  x: number,
  top: number,
  unit: number,
  font: number,
): void {
  const legend = describeColormapLegend(tone.map);
  if (legend.kind === 'categorical') {
    return;
  }
  // The bar fits the picture's height, so small exports keep both labels.
  const barHeight = Math.max(2 * font, Math.min(Math.round(256 * unit), height - font));
  const barWidth = Math.round(18 * unit);
  for (let i = 0; i < barHeight; i++) {
    let index = toneIndex((barHeight - 1 - i) / barHeight, true);
    if (tone.invert) {
      index = LUT_SIZE - 1 - index;
    }
    context.fillStyle = `rgb(${legend.lut[index * 4]}, ${legend.lut[index * 4 + 1]}, ${legend.lut[index * 4 + 2]})`;
    context.fillRect(x, top + i, barWidth, 1);
  }
  context.fillStyle = '#111111';
  context.textAlign = 'left';
  context.fillText(largest === 0 ? 'no visits' : `${largest} visits`, x + barWidth + 6 * unit, top + font);
  context.fillText('1 visit', x + barWidth + 6 * unit, top + barHeight);
  context.fillText(tone.mapping === 'log' ? 'log scale' : `γ = ${tone.gamma}`, x + barWidth + 6 * unit, top + barHeight / 2);
  if (anyLost) {
    const swatchTop = top + barHeight + font;
    context.fillStyle = `rgb(${NAN_COLOR[0]}, ${NAN_COLOR[1]}, ${NAN_COLOR[2]})`;
    context.fillRect(x, swatchTop, barWidth, font);
    context.fillStyle = '#111111';
    context.fillText('diverged', x + barWidth + 6 * unit, swatchTop + font * 0.85);
  }
}
