/** Names of layers and phases for display. */
import { PHASES } from '../core/analysis.ts';

export { LAYERS, LAYER_NAMES } from '../core/layers.ts';

/** Phase names by their code in the `phase` layer (5: a pixel with no valid trajectory). */
export const PHASES_BY_CODE: readonly string[] = [...PHASES, 'invalid'];
