import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';

/**
 * A stack trace from a function's logs, in the positions of its source. The functions run without
 * NODE_OPTIONS=--enable-source-maps (parsing the map made every cold start dearer:
 * docs/architecture.md "Bundles"), so their traces name places in the minified bundle
 * (`/var/task/index.js:1:48213`); the map shipped next to it (`index.js.map`, in the function's
 * asset in cdk.out or its zip) turns each into `functions/threads-write.ts:118:7`.
 */

/** A bundle position in a trace line: `index.js:1:48213` or `index.mjs:1:48213`, whatever the path before it. */
const POSITION = /(?:[\w./:-]*\/)?index\.m?js:(\d+):(\d+)/g;

export function resolveStackTrace(trace: string, map: SourceMapPayload): string {
  const sourceMap = new SourceMap(map);
  return trace.replace(POSITION, (whole, line: string, column: string) => {
    // Stack traces count lines and columns from 1; the map from 0.
    const entry = sourceMap.findEntry(Number(line) - 1, Number(column) - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return whole;
    const source = entry.originalSource.replace(/^(?:\.\.\/)+/, '').replace(/^file:\/\//, '');
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  });
}

/** `npm run stack-trace -- <path to index.js.map>` with the trace on standard input. */
if (require.main === module) {
  const mapFile = process.argv[2];
  if (!mapFile || process.argv.length > 3) {
    process.stderr.write('Usage: npm run stack-trace -- <asset>/index.js.map < trace.txt\n');
    process.exit(2);
  }
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload;
  process.stdout.write(resolveStackTrace(readFileSync(0, 'utf8'), map));
}
