/**
 * `<eos-export-panel>`: exports the view as a PNG at a chosen size (with or
 * without axes, title and colour key) and its layers as NumPy data. It sends
 * `png-export-requested` and `data-export-requested`; the page does the work.
 */
import { css, html, LitElement } from 'lit';
import { MAX_EXPORT_SIDE, type ExportDecorations } from './export-image.ts';

/** Detail of `png-export-requested`. */
export interface PngExportRequest {
  width: number;
  height: number;
  decorations: ExportDecorations;
}

export class ExportPanel extends LitElement {
  static override properties = {
    columns: { type: Number },
    rows: { type: Number },
    busy: { type: Boolean },
    message: { type: String },
    error: { state: true },
  };

  static override styles = css`
    :host {
      display: block;
      font: 13px system-ui, sans-serif;
    }
    label {
      margin-right: 8px;
    }
    input[type='number'] {
      width: 6em;
      font: inherit;
    }
    .error {
      color: #b00020;
    }
    .row {
      margin: 4px 0;
    }
  `;

  /** Resolution of the view on screen, the default export size. */
  declare columns: number;
  declare rows: number;
  /** Whether an export is running. */
  declare busy: boolean;
  /** Status line from the page. */
  declare message: string;
  declare error: string;

  constructor() {
    super();
    this.columns = 256;
    this.rows = 256;
    this.busy = false;
    this.message = '';
    this.error = '';
  }

  override render() {
    return html`
      <div class="row">
        <label>width <input type="number" name="width" min="1" max=${MAX_EXPORT_SIDE} .value=${String(this.columns)} /></label>
        <label>height <input type="number" name="height" min="1" max=${MAX_EXPORT_SIDE} .value=${String(this.rows)} /></label>
        pixels (one per trajectory)
      </div>
      <div class="row">
        <label><input type="checkbox" name="axes" checked /> axes</label>
        <label><input type="checkbox" name="title" checked /> title</label>
        <label><input type="checkbox" name="colorbar" checked /> colour key</label>
      </div>
      <div class="row">
        <button ?disabled=${this.busy} @click=${this.requestPng}>Export PNG</button>
        <button ?disabled=${this.busy} @click=${() => this.dispatchEvent(new CustomEvent('data-export-requested', { bubbles: true, composed: true }))}>
          Export layers (.npy + .json)
        </button>
      </div>
      ${this.error === '' ? null : html`<div class="error" role="alert">${this.error}</div>`}
      <div aria-live="polite">${this.message}</div>
      <div>Drop an exported PNG on the page to reopen its view.</div>
    `;
  }

  private requestPng(): void {
    const read = (name: string) => this.renderRoot.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
    const width = Number(read('width').value);
    const height = Number(read('height').value);
    for (const [name, value] of [
      ['width', width],
      ['height', height],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > MAX_EXPORT_SIDE) {
        this.error = `Invalid ${name}: ${read(name).value}. Expected a whole number of pixels from 1 to ${MAX_EXPORT_SIDE}.`;
        return;
      }
    }
    this.error = '';
    const detail: PngExportRequest = {
      width,
      height,
      decorations: { axes: read('axes').checked, title: read('title').checked, colorbar: read('colorbar').checked },
    };
    this.dispatchEvent(new CustomEvent<PngExportRequest>('png-export-requested', { detail, bubbles: true, composed: true }));
  }
}

customElements.define('eos-export-panel', ExportPanel);

declare global {
  interface HTMLElementTagNameMap {
    'eos-export-panel': ExportPanel;
  }
}
