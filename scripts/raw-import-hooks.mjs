// Node module hooks that give `import text from './file.wgsl?raw'` the meaning it has
// under Vite: the file's text as the default export. The CLI and the benchmarks run
// TypeScript sources in Node, which has no such import otherwise.
import { readFile } from 'node:fs/promises';

export async function resolve(specifier, context, nextResolve) {
  if (specifier.endsWith('?raw')) {
    const resolved = await nextResolve(specifier.slice(0, -'?raw'.length), context);
    return { url: `${resolved.url}?raw`, format: 'raw-text', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.endsWith('?raw')) {
    const text = await readFile(new URL(url.slice(0, -'?raw'.length)), 'utf8');
    return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
  }
  return nextLoad(url, context);
}
