/**
 * One-click views that show the phenomena of the field, each with a short
 * explanation. Every preset is a complete page state, so it is also a link.
 */
import type { ColormapName, ColorScale } from '../core/colormaps.ts';
import type { LayerName } from '../core/layers.ts';
import type { ViewInput } from '../core/view.ts';
import { DEFAULT_DIAGRAM_PANEL, type DiagramPanelState } from '../core/diagram-state.ts';

/** A named view with its explanation. */
export interface Preset {
  id: string;
  title: string;
  explanation: string;
  view: ViewInput;
  layer: LayerName;
  colormap: { map: ColormapName; scale: ColorScale; min?: number; max?: number };
  /** Bifurcation-diagram panel that the preset opens, if any. */
  diagram?: DiagramPanelState;
}

/** The period-doubling cascade in η/η_c against σ_w, the view of two presets. */
const CASCADE_VIEW: ViewInput = {
  experiment: { parameterization: 'muP', learningRate: 1, steps: 2000 },
  x: { parameter: 'etaRatio', min: 0.9, max: 2.05, scale: 'linear' },
  y: { parameter: 'sigmaW', min: 0.1, max: 1, scale: 'linear' },
  columns: 256,
  rows: 256,
};

/** The presets, in the order the page lists them. */
export const PRESETS: readonly Preset[] = [
  {
    id: 'progressive-sharpening',
    title: 'Progressive sharpening and sharpness reduction',
    explanation:
      'Gradient flow conserves C = λ² − 4εf², so at convergence (f = y) λ² = λ₀² + 4ε(y² − f₀²): the NTK eigenvalue λ ' +
      'rises when the network starts with |f₀| < |y| (red: progressive sharpening) and falls when |f₀| > |y| (blue: ' +
      'sharpness reduction). Here ε = 1 and λ₀ = 4.5, so λ can rise by at most 9% but fall by far more. Larger steps ' +
      'shrink C further, which tilts the boundary as η/η_c grows (ηλ₀ stays below 2, so nothing catapults). ' +
      'Layer: λ_final/λ₀ on a log scale centred on 1.',
    view: {
      experiment: { parameterization: 'muP', sigmaW: 1.5, learningRate: 0.1, steps: 1000 },
      x: { parameter: 'etaRatio', min: 0.01, max: 0.4, scale: 'linear' },
      y: { parameter: 'f0OverY', min: -2, max: 2, scale: 'linear' },
      columns: 256,
      rows: 256,
    },
    layer: 'sharpnessRatio',
    colormap: { map: 'blueRed', scale: 'log', min: 0.8, max: 1.25 },
  },
  {
    id: 'catapult',
    title: 'Catapult',
    explanation:
      'In NTP with 2 < c = ηλ₀ < 4 the initial sharpness is above 2/η: the loss first grows (the catapult), the growth ' +
      'lowers λ below 2/η, and training then converges at a flatter minimum. Above c ≈ 4 it diverges. The window narrows ' +
      'at large width, where λ moves slowly. Layer: peak loss over initial loss, on a log scale.',
    view: {
      experiment: { parameterization: 'NTP', learningRate: 1, steps: 1000 },
      x: { parameter: 'c', min: 0.5, max: 5, scale: 'linear' },
      y: { parameter: 'width', min: 4, max: 4096, scale: 'log' },
      columns: 256,
      rows: 256,
    },
    layer: 'peakLossRatio',
    colormap: { map: 'heat', scale: 'log', min: 1, max: 1e4 },
  },
  {
    id: 'edge-of-stability',
    title: 'Edge of stability',
    explanation:
      'Above the critical learning rate η_c no minimum is stable, yet training stays bounded: trajectories settle on the ' +
      'EoS manifold q = 0 and oscillate with ηλ/2 hovering around 1. Phases: converged (below η/η_c = 1 and small σ_w), ' +
      'periodic and chaotic EoS orbits (η/η_c between 1 and 2), and divergence (large σ_w or η/η_c > 2).',
    view: {
      experiment: { parameterization: 'muP', learningRate: 1, steps: 1000 },
      x: { parameter: 'etaRatio', min: 0.05, max: 2.2, scale: 'linear' },
      y: { parameter: 'sigmaW', min: 0.1, max: 2, scale: 'linear' },
      columns: 256,
      rows: 256,
    },
    layer: 'phase',
    colormap: { map: 'phase', scale: 'linear' },
  },
  {
    id: 'route-to-chaos',
    title: 'Period-doubling route to chaos',
    explanation:
      'On the EoS manifold the dynamics reduce to z ← z(1 + ỹ − z)², with z = ηλ/2 and ỹ = η/η_c. The minimum loses ' +
      'stability at ỹ = 1 to a 2-cycle, which doubles again and again (4, 8, 16, …) at intervals shrinking by about 4.67, ' +
      'then turns chaotic, with periodic windows such as period 3 near ỹ = 1.45 and 1.70, until the attractor is destroyed at ỹ = 2. ' +
      'Starts off the manifold escape earlier, before they reach the attractor: at σ_w = 0.5 near ỹ = 1.77, at larger σ_w sooner. ' +
      'Layer: the detected period. The bifurcation diagram below shows the late values of ηλ_H/2 at σ_w = 0.5; rest the ' +
      'pointer on another row of the map to move it there.',
    view: CASCADE_VIEW,
    layer: 'period',
    colormap: { map: 'period', scale: 'linear' },
    diagram: { ...DEFAULT_DIAGRAM_PANEL, row: 0.5 },
  },
  {
    id: 'chaos-map',
    title: 'Chaos map',
    explanation:
      'The largest Lyapunov exponent of each trajectory on a blue–red map centred on zero: blue where the late orbit is ' +
      'a stable cycle (negative exponent, darkest at superstable parameters), red where it is chaotic (positive). ' +
      'Periodic windows cut blue stripes through the chaotic band, the cascade accumulates at η/η_c ≈ 1.3023, and ' +
      'grey marks diverged runs, which have no exponent. The bifurcation diagram below shows the orbits of the row at ' +
      'σ_w = 0.5; switch the layer to period for the categorical period map.',
    view: CASCADE_VIEW,
    layer: 'lyapunovExponent',
    colormap: { map: 'blueRed', scale: 'symmetric' },
    diagram: { ...DEFAULT_DIAGRAM_PANEL, row: 0.5 },
  },
  {
    id: 'mup-vs-ntp',
    title: 'μP versus NTP',
    explanation:
      'The parameterization s sets the output scale m = n^((1−s)/2). At width 1024 the critical learning rate η_c = m/(|x||y|) ' +
      'is 32 in NTP (s = 0) and 1 in μP (s = 1), while λ₀ stays about 2σ_w²|x|². So in NTP the typical initialization meets ' +
      'the stability bound 2/η long before η_c and diverges, and only μP-like parameterizations reach the edge of stability. ' +
      'Axes: the learning rate η against s.',
    view: {
      experiment: { width: 1024, learningRate: 1, steps: 1000 },
      x: { parameter: 'eta', min: 0.05, max: 3, scale: 'log' },
      y: { parameter: 'parameterization', min: 0, max: 1, scale: 'linear' },
      columns: 256,
      rows: 256,
    },
    layer: 'phase',
    colormap: { map: 'phase', scale: 'linear' },
  },
];
