import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLING, FUNCTION_ENTRIES, type FunctionName } from '../../infra/bundling';

/**
 * What each function's bundle holds, built with the stack's esbuild options (infra/bundling.ts) and a
 * metafile. The Atom feeds have a function of their own so that the `feed` package and its XML
 * dependencies (xml-js, sax: ~43 KiB minified, ~6 ms of cold start) load in no other function: a
 * route of another group importing shared/app/feeds.ts again would put them back.
 */
const ROOT = path.resolve(__dirname, '../..');
const FEED_PACKAGES = ['feed', 'xml-js', 'sax'];

/** The npm packages whose files are in a bundle (`node_modules/<name>` or `node_modules/@scope/name`). */
const packagesOf = (metafile: Metafile): Set<string> =>
  new Set(
    Object.keys(metafile.inputs).flatMap((file) => {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
      return m ? [m[1]!] : [];
    }),
  );

async function bundledPackages(name: FunctionName): Promise<Set<string>> {
  const result = await build({
    entryPoints: [path.join(ROOT, FUNCTION_ENTRIES[name])],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    outdir: path.join(ROOT, 'cdk.out', 'bundles-test'),
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    external: [...BUNDLING.externalModules],
    metafile: true,
    logLevel: 'silent',
  });
  return packagesOf(result.metafile);
}

describe('function bundles', () => {
  it('carry the feed library (feed, xml-js, sax) in the feeds function only', async () => {
    // Act
    const names = Object.keys(FUNCTION_ENTRIES) as FunctionName[];
    const held = await Promise.all(
      names.map(async (name) => {
        const packages = await bundledPackages(name);
        return { name, feedPackages: FEED_PACKAGES.filter((p) => packages.has(p)) };
      }),
    );
    // Assess
    expect(held).toEqual(
      names.map((name) => ({ name, feedPackages: name === 'feeds' ? FEED_PACKAGES : [] })),
    );
  });
});
