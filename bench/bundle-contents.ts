import { build, type Metafile } from 'esbuild';
import { join, resolve } from 'node:path';
import { ALL_FUNCTION_ENTRIES, BUNDLING, type AnyFunctionName } from '../infra/bundling';
import { kb } from './lib/common';

/**
 * What each function's bundle carries, from esbuild's metafile: the bundle built as the stack builds
 * it (infra/bundling.ts), its bytes split by package (node_modules) and by the project's own files.
 * Deterministic (no timing), so it can be run on a busy machine; the cold-start benchmark says what
 * the bytes cost.
 *
 *   npx tsx bench/bundle-contents.ts                  # every function, top 12 contributors each
 *   npx tsx bench/bundle-contents.ts threads-write 30 # one function, top 30
 */

const ROOT = resolve(__dirname, '..');

/** `node_modules/@scope/name/…` → `@scope/name`; a project file → its path. */
const owner = (input: string): string => {
  const at = input.lastIndexOf('node_modules/');
  if (at < 0) return input;
  const [first, second] = input.slice(at + 'node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
};

export interface Contents {
  bytes: number;
  /** Bytes in the output by package or project file, largest first. */
  parts: [string, number][];
}

export async function bundleContents(name: AnyFunctionName): Promise<Contents> {
  const result = await build({
    entryPoints: [join(ROOT, ALL_FUNCTION_ENTRIES[name])],
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    format: BUNDLING.format,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.externalModules],
    alias: { ...BUNDLING.alias },
    write: false,
    metafile: true,
    outfile: join(ROOT, 'out', `${name}.js`),
    logLevel: 'error',
  });
  const meta: Metafile = result.metafile;
  const output = Object.values(meta.outputs).find((o) => o.entryPoint)!;
  const parts = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
    parts.set(owner(input), (parts.get(owner(input)) ?? 0) + bytesInOutput);
  return { bytes: output.bytes, parts: [...parts].sort((a, b) => b[1] - a[1]) };
}

async function main() {
  const [only, top = '12'] = process.argv.slice(2);
  const names = (only ? only.split(',') : Object.keys(ALL_FUNCTION_ENTRIES)) as AnyFunctionName[];
  for (const name of names) {
    const { bytes, parts } = await bundleContents(name);
    console.log(`\n${name}: ${kb(bytes)}`);
    for (const [part, n] of parts.slice(0, Number(top))) console.log(`  ${kb(n).padStart(10)}  ${part}`);
  }
}

if (require.main === module) void main();
