/** Page entry point: registers the custom elements. */
import './atlas-app.ts';
