import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { BUNDLING } from '../../infra/bundling';
import { resolveStackTrace } from '../../local/stack-trace';

describe('resolveStackTrace', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-trace-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns the positions of a minified bundle run without --enable-source-maps into its source lines', () => {
    // Prepare: a handler that fails on line 4 of its source, bundled as the stack bundles functions.
    const source = join(dir, 'handler.ts');
    writeFileSync(
      source,
      [
        'const greet = (name: string): string => `hello ${name}`;',
        'export function handler(input: { name?: string }): string {',
        '  if (input.name) return greet(input.name);',
        "  throw new Error('no name');",
        '}',
        'handler({});',
      ].join('\n'),
    );
    const bundle = join(dir, 'index.js');
    buildSync({
      entryPoints: [source],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: BUNDLING.format,
      target: BUNDLING.target,
      minify: BUNDLING.minify,
      sourcemap: BUNDLING.sourceMap,
      sourcesContent: BUNDLING.sourcesContent,
      logLevel: 'error',
    });
    const run = spawnSync(process.execPath, [bundle], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8'));
    // Act
    const resolved = resolveStackTrace(run.stderr, map);
    // Assess
    expect(run.stderr).toMatch(/index\.js:1:\d+/);
    expect(resolved).toMatch(/handler\.ts:4:\d+/);
    expect(resolved).not.toMatch(/index\.js:1:\d+/);
  });

  it('leaves lines that name no bundle position as they are', () => {
    // Prepare
    const trace =
      'Error: boom\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)';
    const map = { version: 3, file: 'index.js', sources: [], names: [], mappings: '' };
    // Act / Assess
    expect(resolveStackTrace(trace, map as never)).toBe(trace);
  });
});
