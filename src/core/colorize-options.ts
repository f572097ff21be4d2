/**
 * The colour options of the layer on display: the user's map, scale and range,
 * with an automatic range taken from the layer's finite values where the user
 * left it blank.
 */
import { defaultColormapForLayer, type ColorizeOptions, type ColorScale } from './colormaps.ts';
import type { LayerName } from './layers.ts';
import type { AppState } from './url-state.ts';

/** Colour of NaN: pixels with no value, such as the Lyapunov exponent of a diverged run. */
export const NAN_COLOR = [200, 200, 200, 255] as const;

/** Returns the suggested colour scale of a layer. */
export function defaultScaleForLayer(layer: LayerName): ColorScale {
  switch (layer) {
    case 'lyapunovExponent':
      return 'symmetric';
    case 'sharpnessRatio':
    case 'peakLossRatio':
      return 'log';
    default:
      return 'linear';
  }
}

/**
 * Returns the colour options for `layer`. A blank min or max becomes the smallest or
 * largest finite value of the layer (positive values only on a log scale). On a log
 * scale for λ_final/λ₀ the automatic range is symmetric about 1.
 */
export function colorizeOptionsFor(state: AppState, values: Float32Array | undefined): ColorizeOptions {
  const suggested = defaultColormapForLayer(state.layer);
  const scale = state.colormap.scale;
  let low = Infinity;
  let high = -Infinity;
  if (values !== undefined) {
    for (const value of values) {
      if (Number.isFinite(value) && (scale !== 'log' || value > 0)) {
        low = Math.min(low, value);
        high = Math.max(high, value);
      }
    }
  }
  if (!(low < high)) {
    low = Number.isFinite(low) ? low - 1 : 0;
    high = Number.isFinite(high) ? high + 1 : 1;
    if (scale === 'log') {
      low = Math.max(low, 1e-3);
    }
  }
  if (scale === 'log' && state.layer === 'sharpnessRatio') {
    const reach = Math.max(Math.abs(Math.log(low)), Math.abs(Math.log(high)));
    low = Math.exp(-reach);
    high = Math.exp(reach);
  }
  return {
    map: state.colormap.map,
    mode: suggested.mode,
    min: state.colormap.min ?? low,
    max: state.colormap.max ?? high,
    scale,
    nanColor: NAN_COLOR,
  };
}
