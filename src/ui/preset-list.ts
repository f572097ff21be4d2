/**
 * `<eos-preset-list>`: the presets, each a button with its explanation.
 * Choosing one sends `preset-selected` with the preset.
 */
import { css, html, LitElement } from 'lit';
import { PRESETS, type Preset } from './presets.ts';

export class PresetList extends LitElement {
  static override properties = {
    selected: { type: String },
  };

  static override styles = css`
    :host {
      display: block;
      font: 13px system-ui, sans-serif;
    }
    button {
      font: inherit;
      display: block;
      width: 100%;
      text-align: left;
      margin: 2px 0;
      padding: 4px 6px;
      background: #f4f4f4;
      border: 1px solid #ccc;
      border-radius: 3px;
      cursor: pointer;
    }
    button[aria-pressed='true'] {
      background: #dceefb;
      border-color: #0072b2;
    }
    p {
      margin: 4px 0 8px;
      line-height: 1.4;
    }
  `;

  /** Id of the preset on display, if any. */
  declare selected: string;

  constructor() {
    super();
    this.selected = '';
  }

  override render() {
    const current = PRESETS.find((preset) => preset.id === this.selected);
    return html`
      ${PRESETS.map(
        (preset) =>
          html`<button data-preset=${preset.id} aria-pressed=${preset.id === this.selected ? 'true' : 'false'} @click=${() => this.choose(preset)}>
            ${preset.title}
          </button>`,
      )}
      ${current === undefined ? null : html`<p class="explanation">${current.explanation}</p>`}
    `;
  }

  private choose(preset: Preset): void {
    this.selected = preset.id;
    this.dispatchEvent(new CustomEvent<Preset>('preset-selected', { detail: preset, bubbles: true, composed: true }));
  }
}

customElements.define('eos-preset-list', PresetList);

declare global {
  interface HTMLElementTagNameMap {
    'eos-preset-list': PresetList;
  }
}
