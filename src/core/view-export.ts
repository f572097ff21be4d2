/**
 * Raw export of a rendered view: all layers as one float32 `.npy` array with a
 * JSON sidecar that describes the axes and layers, or one CSV row per pixel.
 * docs/export.md describes both formats. The module touches no DOM and no Node API.
 */
import { PHASE_CODES, LAYER_COUNT, LAYER_NAMES, LAYERS, type ViewLayers } from './layers.ts';
import { encodeNpy } from './npy.ts';
import type { Precision, ViewPrecision } from './precision.ts';
import { AXIS_LABELS, axisValue, type Axis, type View } from './view.ts';

/** Value of the sidecar's `format` field. */
export const VIEW_EXPORT_FORMAT = 'eos-atlas view export';

/** Engine and precision of a rendered view, for the sidecar. */
export interface ExportEngineInfo {
  /** `webgpu` (float32 or df64 kernels) or `cpu` (float64, stored as float32). */
  kind: 'webgpu' | 'cpu';
  /** The adapter, or the CPU engine with the reason it ran. */
  description: string;
  /** Arithmetic of the map state in the render that produced the layers. */
  arithmetic: Precision;
  /** The view's float32 precision report. */
  precision: ViewPrecision;
}

/** One axis in the sidecar. */
export interface SidecarAxis extends Axis {
  /** Symbol of the parameter, for example `η/η_c`. */
  label: string;
  /**
   * Parameter value at the centre of each pixel, by array index: columns left
   * to right for x, rows top to bottom (from max down to min) for y.
   */
  values: number[];
}

/** Contents of the JSON sidecar of a `.npy` export. */
export interface ViewExportSidecar {
  format: typeof VIEW_EXPORT_FORMAT;
  /** eos-atlas version that wrote the files. */
  version: string;
  /** Name of the `.npy` file, in the sidecar's folder. */
  data: string;
  dtype: '<f4';
  /** [layers, rows, columns]. */
  shape: [number, number, number];
  /** Index order of the array. */
  order: string;
  /** The view as the page's query string, which `--url` and the page read. */
  query: string;
  x: SidecarAxis;
  y: SidecarAxis;
  samples: number;
  steps: number;
  layers: Array<{ index: number; name: string; label: string; description: string }>;
  /** Codes of the `phase` layer. */
  phaseCodes: Record<string, number>;
  engine: ExportEngineInfo;
}

/**
 * Stacks the layers into one array of shape [LAYER_COUNT, rows, columns] in
 * {@link LAYER_NAMES} order, C order, row 0 at the top (the y maximum).
 */
export function stackViewLayers(layers: ViewLayers, columns: number, rows: number): Float32Array {
  const pixels = columns * rows;
  const stacked = new Float32Array(LAYER_COUNT * pixels);
  LAYER_NAMES.forEach((name, index) => {
    stacked.set(layers[name].subarray(0, pixels), index * pixels);
  });
  return stacked;
}

/** Encodes the layers of a view as a `.npy` file of shape [LAYER_COUNT, rows, columns]. */
export function encodeViewNpy(layers: ViewLayers, view: Pick<View, 'columns' | 'rows'>): Uint8Array {
  return encodeNpy(stackViewLayers(layers, view.columns, view.rows), [LAYER_COUNT, view.rows, view.columns]);
}

/** Returns the axis value at the centre of each column (x) or each row from the top (y). */
export function pixelCentreValues(view: View, axis: 'x' | 'y'): number[] {
  if (axis === 'x') {
    return Array.from({ length: view.columns }, (_, column) => axisValue(view.x, column, view.columns));
  }
  return Array.from({ length: view.rows }, (_, row) => axisValue(view.y, view.rows - 1 - row, view.rows));
}

/**
 * Builds the sidecar of a `.npy` export.
 *
 * @param npyName file name of the array, as the sidecar refers to it.
 * @param query the view as `encodeAppState` writes it.
 */
export function describeViewExport(view: View, query: string, npyName: string, engine: ExportEngineInfo, version: string): ViewExportSidecar {
  return {
    format: VIEW_EXPORT_FORMAT,
    version,
    data: npyName,
    dtype: '<f4',
    shape: [LAYER_COUNT, view.rows, view.columns],
    order: 'array[layer, row, column]: layers in the order of "layers", row 0 at the top (y maximum), column 0 at the left (x minimum)',
    query,
    x: { ...view.x, label: AXIS_LABELS[view.x.parameter], values: pixelCentreValues(view, 'x') },
    y: { ...view.y, label: AXIS_LABELS[view.y.parameter], values: pixelCentreValues(view, 'y') },
    samples: view.samples,
    steps: view.experiment.steps,
    layers: LAYER_NAMES.map((name, index) => ({ index, name, label: LAYERS[name].label, description: LAYERS[name].description })),
    phaseCodes: { ...PHASE_CODES },
    engine,
  };
}

/**
 * Formats a sidecar as JSON. JSON has no NaN or infinities, so non-finite
 * numbers (such as a precision report's `smallestYTilde` of Infinity) are
 * written as the strings "NaN", "Infinity" and "-Infinity".
 */
export function formatSidecarJson(sidecar: ViewExportSidecar): string {
  return JSON.stringify(sidecar, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value), 2) + '\n';
}

/**
 * Formats a view as CSV: a header line, then one line per pixel, rows from
 * the top and columns from the left. The columns are `column`, `row`, the x
 * and y values at the pixel centre (headed by the axis parameters, for
 * example `etaRatio,sigmaW`) and the layers in {@link LAYER_NAMES} order.
 * Layer values are written in the fewest digits that read back to the same
 * float32, and NaN and infinities as `nan`, `inf` and `-inf`, as
 * `numpy.savetxt` writes them.
 */
export function formatViewCsv(view: View, layers: ViewLayers): string {
  const xValues = pixelCentreValues(view, 'x').map(String);
  const yValues = pixelCentreValues(view, 'y').map(String);
  const lines: string[] = [['column', 'row', view.x.parameter, view.y.parameter, ...LAYER_NAMES].join(',')];
  const fields = new Array<string>(4 + LAYER_COUNT);
  for (let row = 0; row < view.rows; row++) {
    for (let column = 0; column < view.columns; column++) {
      const pixel = row * view.columns + column;
      fields[0] = String(column);
      fields[1] = String(row);
      fields[2] = xValues[column]!;
      fields[3] = yValues[row]!;
      for (let k = 0; k < LAYER_COUNT; k++) {
        fields[4 + k] = formatFloat32(layers[LAYER_NAMES[k]!][pixel]!);
      }
      lines.push(fields.join(','));
    }
  }
  return lines.join('\n') + '\n';
}

/** Writes a float32 value in the fewest significant digits that read back to it. */
export function formatFloat32(value: number): string {
  if (Number.isNaN(value)) {
    return 'nan';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? 'inf' : '-inf';
  }
  if (Number.isInteger(value) && Math.abs(value) <= 2 ** 24) {
    return String(value);
  }
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) {
      return String(candidate);
    }
  }
  // Nine significant digits always identify a float32.
  return String(Number(value.toPrecision(9)));
}
