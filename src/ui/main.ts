/** Page entry point: registers the custom elements. */
import './experiment-summary.ts';
