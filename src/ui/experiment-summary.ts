/**
 * `<eos-experiment-summary>`: runs one experiment on the float64 core and shows
 * its scales and analysis. The phase-map viewer will replace it as the page's
 * main view.
 */
import { css, html, LitElement } from 'lit';
import { createExperiment, experimentScales, simulateExperiment, yTilde, type ExperimentInput } from '../core/index.ts';

export class ExperimentSummary extends LitElement {
  static override properties = {
    input: { attribute: false },
  };

  static override styles = css`
    :host {
      display: block;
      font: 14px/1.5 system-ui, sans-serif;
      padding: 1rem;
    }
    dt {
      font-weight: 600;
    }
  `;

  /** The experiment to run; defaults fill the missing fields. */
  declare input: ExperimentInput;

  constructor() {
    super();
    this.input = { learningRate: 1.2, steps: 2000 };
  }

  override render() {
    const experiment = createExperiment(this.input);
    const { etaCritical } = experimentScales(experiment);
    const { analysis } = simulateExperiment(experiment);
    return html`
      <h1>eos-atlas</h1>
      <p>Gradient descent on the UV model, width ${experiment.width}, η = ${experiment.learningRate}.</p>
      <dl>
        <dt>η_c</dt>
        <dd>${etaCritical}</dd>
        <dt>ỹ = η/η_c</dt>
        <dd>${yTilde(experiment)}</dd>
        <dt>phase</dt>
        <dd>${analysis.phase}${analysis.period > 0 ? `, period ${analysis.period}` : ''}</dd>
        <dt>Lyapunov exponent</dt>
        <dd>${analysis.lyapunovExponent.toPrecision(4)} per step</dd>
      </dl>
    `;
  }
}

customElements.define('eos-experiment-summary', ExperimentSummary);

declare global {
  interface HTMLElementTagNameMap {
    'eos-experiment-summary': ExperimentSummary;
  }
}
