import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';

/**
 * Where a function's first-request cold start spends its CPU, from the profiles that
 * `BENCH_COLD_PROFILE=<dir> npx tsx bench/cold-start.ts` writes (an unminified build of each
 * measured function, its map, one V8 CPU profile per sample and the sample's answer beside it).
 * Each profile is split where the module had loaded (`loadedAtUs`, the runner's clock, which is the
 * profile's): self time by package or project file during loading and during the request, and the
 * request's time by the nearest project function on the stack. Idle time is left out. Sampled
 * profiles cost CPU themselves: read the shares, not the absolute milliseconds.
 *
 *   npx tsx bench/profile-summary.ts /tmp/prof/threads-write [top]
 */

type Totals = Map<string, number>;
const add = (m: Totals, key: string, us: number) => m.set(key, (m.get(key) ?? 0) + us);

/** `…/node_modules/@scope/name/…` → `@scope/name`; a project file → its path from shared/ or functions/. */
const owner = (source: string): string => {
  const at = source.lastIndexOf('node_modules/');
  if (at < 0) return source.replace(/^.*?((shared|functions)\/)/, '$1');
  const [first, second] = source.slice(at + 'node_modules/'.length).split('/');
  return first!.startsWith('@') ? `${first}/${second}` : first!;
};

interface Frame {
  url: string;
  functionName: string;
  lineNumber: number;
  columnNumber: number;
}

function summarize(dir: string, top: number): void {
  const map = new SourceMap(JSON.parse(readFileSync(join(dir, 'index.js.map'), 'utf8')));
  const bundleFrame = (f: Frame) => f.url.endsWith('index.js');
  const topLevel = (f: Frame) => f.lineNumber === 0 && f.columnNumber === 0;
  const sourceOf = (f: Frame): string | undefined =>
    (map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string }).originalSource;
  const ownerOf = (f: Frame): string => {
    if (!bundleFrame(f)) {
      if (f.url.startsWith('node:')) return f.url.split('/').slice(0, 2).join('/');
      return f.url ? 'the runner' : `(${f.functionName || 'native'})`;
    }
    if (topLevel(f)) return 'the bundle’s top level (module bodies)';
    const source = sourceOf(f);
    return source ? owner(source) : 'the bundle';
  };
  const load: Totals = new Map();
  const request: Totals = new Map();
  const byProjectFunction: Totals = new Map();
  let profiles = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const answer = join(dir, `${file.split('.')[3]}.json`);
    if (!existsSync(answer)) continue;
    const { loadedAtUs } = JSON.parse(readFileSync(answer, 'utf8')) as { loadedAtUs: number };
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      nodes: { id: number; callFrame: Frame; children?: number[] }[];
      samples: number[];
      timeDeltas: number[];
      startTime: number;
    };
    profiles++;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const projectFunction = (id: number): string => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const f = nodes.get(at)!.callFrame;
        const source = bundleFrame(f) && !topLevel(f) ? sourceOf(f) : undefined;
        if (source && !source.includes('node_modules')) return `${owner(source)} ${f.functionName}`;
      }
      return '(the SDK, Node or a callback with no project frame)';
    };
    let t = profile.startTime;
    profile.samples.forEach((id, i) => {
      const us = profile.timeDeltas[i] ?? 0;
      t += us;
      const frame = nodes.get(id)!.callFrame;
      if (frame.functionName === '(idle)') return;
      if (t < loadedAtUs) add(load, ownerOf(frame), us);
      else {
        add(request, ownerOf(frame), us);
        add(byProjectFunction, projectFunction(id), us);
      }
    });
  }
  const sum = (m: Totals) => [...m.values()].reduce((a, b) => a + b, 0);
  const show = (title: string, m: Totals) => {
    console.log(`\n${title}`);
    for (const [key, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
      console.log(`${(us / profiles / 1000).toFixed(2).padStart(8)} ms  ${(us / sum(m)).toFixed(3)}  ${key}`);
  };
  console.log(
    `${dir}: ${profiles} profiles; loading ${(sum(load) / profiles / 1000).toFixed(1)} ms, the request ${(sum(request) / profiles / 1000).toFixed(1)} ms (sampled, per profile)`,
  );
  show('loading: self time by package or file', load);
  show('the request: self time by package or file', request);
  show('the request: by the nearest project function', byProjectFunction);
}

const [dir, top = '15'] = process.argv.slice(2);
if (!dir)
  throw new Error('usage: npx tsx bench/profile-summary.ts <BENCH_COLD_PROFILE dir>/<function> [top]');
summarize(dir, Number(top));
