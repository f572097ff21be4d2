// Registers TypeScript (tsx) and `?raw` imports, so `node --import ./scripts/register-node.mjs
// src/cli/main.ts` runs the sources directly.
import { register } from 'node:module';
import { register as registerTypeScript } from 'tsx/esm/api';

registerTypeScript();
register('./raw-import-hooks.mjs', import.meta.url);
