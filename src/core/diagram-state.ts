/**
 * The bifurcation-diagram panel of the page: its settings, kept in the URL next
 * to the phase map's, and the diagram they define for a phase-map view. The
 * diagram shares the view's experiment and learning-rate axis, and fixes the
 * view's vertical parameter at one value: the row under the pointer.
 */
import { createDiagram, DEFAULT_DIAGRAM_INPUT, type BifurcationDiagram, type DiagramQuantity, type DiagramRange } from './bifurcation-diagram.ts';
import { DEFAULT_TONE_OPTIONS, validateToneOptions, type ToneOptions } from './density-tone.ts';
import { ValidationError } from './errors.ts';
import { axisValue, RATE_PARAMETERS, type Axis, type View } from './view.ts';

/** The two axes of a phase-map view, all that {@link panelForView} reads. */
interface ViewAxes {
  x: Axis;
  y: Axis;
}

/** Settings of the diagram panel. */
export interface DiagramPanelState {
  quantity: DiagramQuantity;
  /** Vertical range of the quantity. */
  y: DiagramRange;
  /** Horizontal range of the view's learning-rate parameter. Absent: the phase map's x axis. */
  x?: DiagramRange;
  /** Value of the phase map's vertical parameter. Absent: the middle of its axis. */
  row?: number;
  columns: number;
  rows: number;
  transient: number;
  recorded: number;
  samples: number;
  tone: ToneOptions;
}

/** The panel's first settings: those of {@link DEFAULT_DIAGRAM_INPUT}, following the phase map. */
export const DEFAULT_DIAGRAM_PANEL: Readonly<DiagramPanelState> = Object.freeze<DiagramPanelState>({
  quantity: DEFAULT_DIAGRAM_INPUT.quantity!,
  y: { ...DEFAULT_DIAGRAM_INPUT.y! },
  columns: DEFAULT_DIAGRAM_INPUT.columns,
  rows: DEFAULT_DIAGRAM_INPUT.rows,
  transient: DEFAULT_DIAGRAM_INPUT.transient!,
  recorded: DEFAULT_DIAGRAM_INPUT.recorded!,
  samples: DEFAULT_DIAGRAM_INPUT.samples!,
  tone: { ...DEFAULT_TONE_OPTIONS },
});

/**
 * Returns the panel to use with a new phase-map view. A row of another parameter,
 * or outside the new vertical axis, gives way to the axis' middle. An x range of
 * another learning-rate parameter gives way to the map's x axis. Without this a preset could leave the
 * diagram at, say, n = 0.5 of a σ_w row while the map shows n ∈ [4, 4096].
 */
export function panelForView(previous: ViewAxes, view: ViewAxes, panel: DiagramPanelState): DiagramPanelState {
  const next = { ...panel };
  const y = view.y;
  if (
    next.row !== undefined &&
    (y.parameter !== previous.y.parameter || next.row < Math.min(y.min, y.max) || next.row > Math.max(y.min, y.max))
  ) {
    delete next.row;
  }
  if (next.x !== undefined && view.x.parameter !== previous.x.parameter) {
    delete next.x;
  }
  return next;
}

/** Returns the value of the view's vertical parameter that the panel holds: its `row`, or the axis' middle. */
export function diagramRowValue(view: View, panel: DiagramPanelState): number {
  return panel.row ?? axisValue(view.y, 0, 1);
}

/**
 * Returns the diagram of `panel` for a phase-map view.
 *
 * @throws ValidationError on field `xa` when the view's x axis is not a learning-rate
 *   parameter, or on the diagram field at fault (x, y, columns, …) for invalid settings.
 */
export function diagramForView(view: View, panel: DiagramPanelState): BifurcationDiagram {
  if (!RATE_PARAMETERS.includes(view.x.parameter)) {
    throw new ValidationError(
      'xa',
      view.x.parameter,
      `a learning-rate parameter on the phase map's x axis (${RATE_PARAMETERS.join(', ')}) for a bifurcation diagram`,
    );
  }
  validateToneOptions(panel.tone);
  const x = panel.x ?? view.x;
  return createDiagram({
    experiment: view.experiment,
    x: { parameter: view.x.parameter, min: x.min, max: x.max, scale: x.scale },
    fixed: { parameter: view.y.parameter, value: diagramRowValue(view, panel) },
    quantity: panel.quantity,
    y: panel.y,
    columns: panel.columns,
    rows: panel.rows,
    transient: panel.transient,
    recorded: panel.recorded,
    samples: panel.samples,
  });
}
