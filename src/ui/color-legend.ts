/**
 * `<eos-color-legend>`: the key of the layer on display: phase or period
 * swatches for the categorical maps, a colour bar with its range for the others.
 */
import { css, html, LitElement, type PropertyValues } from 'lit';
import { describeColormapLegend, type ColorizeOptions } from '../core/colormaps.ts';
import { LAYERS, type LayerName } from '../core/layers.ts';

export class ColorLegend extends LitElement {
  static override properties = {
    colorize: { attribute: false },
    layer: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
      font: 12px system-ui, sans-serif;
    }
    .entries {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 12px;
    }
    .swatch {
      display: inline-block;
      width: 12px;
      height: 12px;
      margin-right: 4px;
      vertical-align: -2px;
      border: 1px solid #0003;
    }
    canvas {
      width: 256px;
      height: 14px;
      display: block;
      border: 1px solid #0003;
    }
    .range {
      display: flex;
      justify-content: space-between;
      width: 258px;
    }
    .label {
      font-weight: 600;
      margin-bottom: 4px;
    }
  `;

  declare colorize: ColorizeOptions | undefined;
  declare layer: LayerName;

  constructor() {
    super();
    this.colorize = undefined;
    this.layer = 'phase';
  }

  override render() {
    const colorize = this.colorize;
    if (colorize === undefined) {
      return null;
    }
    const legend = describeColormapLegend(colorize.map);
    const title = html`<div class="label">${LAYERS[this.layer].label}</div>`;
    if (legend.kind === 'categorical') {
      return html`${title}
        <div class="entries">
          ${legend.entries.map(
            (entry) =>
              html`<span class="entry"><span class="swatch" style="background:rgba(${entry.color[0]},${entry.color[1]},${entry.color[2]},1)"></span>${entry.label}</span>`,
          )}
        </div>`;
    }
    const low = colorize.scale === 'symmetric' ? -Math.max(Math.abs(colorize.min), Math.abs(colorize.max)) : colorize.min;
    const high = colorize.scale === 'symmetric' ? -low : colorize.max;
    const nan = colorize.nanColor;
    return html`${title}<canvas width="256" height="1"></canvas>
      <div class="range"><span>${formatValue(low)}</span><span>${colorize.scale === 'log' ? 'log scale' : ''}</span><span>${formatValue(high)}</span></div>
      <div class="entries">
        <span class="entry"><span class="swatch" style="background:rgba(${nan[0]},${nan[1]},${nan[2]},1)"></span>no value (for example after a divergence)</span>
      </div>`;
  }

  protected override updated(_changed: PropertyValues<this>): void {
    const canvas = this.renderRoot.querySelector('canvas');
    if (canvas === null || this.colorize === undefined) {
      return;
    }
    const legend = describeColormapLegend(this.colorize.map);
    if (legend.kind === 'categorical') {
      return;
    }
    const context = canvas.getContext('2d');
    context?.putImageData(new ImageData(Uint8ClampedArray.from(legend.lut), 256, 1), 0, 0);
  }
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : String(value);
}

customElements.define('eos-color-legend', ColorLegend);

declare global {
  interface HTMLElementTagNameMap {
    'eos-color-legend': ColorLegend;
  }
}
