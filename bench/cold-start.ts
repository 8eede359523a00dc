import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import * as zodMini from 'zod/mini';
import { ALL_FUNCTION_ENTRIES, BUNDLING, type AnyFunctionName } from '../infra/bundling';
import { stackEnvironments } from './lib/stack-env';
import { QUICK, fmt, kb, log, median, ratio, runAlone, table, yes, type Section } from './lib/common';

/**
 * Cold start of every function bundle, built exactly as the stack builds it (infra/bundling.ts), as a
 * ratio to a bundle that only loads the DynamoDB document client. Each sample is a fresh `node`
 * process; a bare `node -e 0` is subtracted. Variants with one dependency stubbed out attribute the
 * cost to it.
 */

const ROOT = resolve(__dirname, '..');
/** Every function the stack deploys: the HTTP route groups, the workers and the live WebSocket ones. */
const FUNCTIONS = Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[];
type FunctionName = AnyFunctionName;
const SAMPLES = QUICK ? 7 : 31;
const VARIANT_SAMPLES = QUICK ? 3 : 11;
const TARGET = 1.2;

/** The options the stack's NodejsFunction passes to esbuild (plus a metafile, which changes nothing in the output). */
const STACK_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: BUNDLING.target,
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  format: BUNDLING.format,
  external: [...BUNDLING.externalModules],
  metafile: true,
  logLevel: 'error',
};

/**
 * The environment the stack gives each function in Lambda (bench/lib/stack-env.ts: read from the
 * synthesized template, plus what the runtime sets). NODE_OPTIONS=--enable-source-maps is part of
 * it: it makes Node load the source map with the bundle.
 */
let STACK_ENV: Map<FunctionName, NodeJS.ProcessEnv> | undefined;
const lambdaEnv = (name: FunctionName, sourceMaps = true): NodeJS.ProcessEnv => {
  const env = { ...(STACK_ENV ??= stackEnvironments()).get(name)! };
  if (!sourceMaps) delete env.NODE_OPTIONS;
  return env;
};

// ---- stubs used to attribute cost ------------------------------------------------------------

const ZOD_EXPORTS = Object.keys(zodMini);

const STUBS: Record<string, string> = {
  logger:
    'export class Logger { info() {} warn() {} error() {} debug() {} resetKeys() {} addContext() {} setCorrelationId() {} }',
  metrics:
    "export class Metrics { captureColdStartMetric() {} publishStoredMetrics() {} addMetric() {} }\nexport const MetricUnit = { Count: 'Count' };",
  // Enough of zod/mini for module-level schema construction: every export, property and call gives the stub back.
  zod: `const h = { get: (t, k) => (k === Symbol.iterator ? function* () {} : k === Symbol.toPrimitive ? () => '' : k === 'then' ? undefined : p),
    apply: () => p, construct: () => p };
  const p = new Proxy(function () {}, h);
  // Parsing passes its input through, so settings read from the environment keep their absent values.
  export const parse = (_s, d) => d;
  export const safeParse = (_s, d) => ({ success: true, data: d });
  export { ${ZOD_EXPORTS.filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'parse' && k !== 'safeParse')
    .map((k) => `p as ${k}`)
    .join(', ')} };
  export default p;`,
};

function stubPlugin(kinds: readonly string[]): Plugin {
  const modules: Record<string, string> = {};
  for (const k of kinds) {
    if (k === 'zod') modules['zod/mini'] = STUBS.zod!;
    else modules[`@aws-lambda-powertools/${k}`] = STUBS[k]!;
  }
  const filter = new RegExp(
    `^(${Object.keys(modules)
      .map((m) => m.replace(/[/\\^$.*+?()[\]{}|-]/g, '\\$&'))
      .join('|')})$`,
  );
  return {
    name: 'bench-stubs',
    setup(b) {
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'bench-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'bench-stub' }, (args) => ({
        contents: modules[args.path]!,
        loader: 'js',
      }));
    },
  };
}

// ---- builds ----------------------------------------------------------------------------------

interface Built {
  file: string;
  bytes: number;
  mapBytes: number;
  metafile: Metafile;
}

async function bundle(
  outfile: string,
  entry: { file: string } | { contents: string },
  plugins: Plugin[] = [],
): Promise<Built> {
  const result = await build({
    ...STACK_OPTIONS,
    outfile,
    plugins,
    ...('file' in entry
      ? { entryPoints: [join(ROOT, entry.file)] }
      : {
          stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts', sourcefile: 'bench-entry.ts' },
        }),
  });
  return {
    file: outfile,
    bytes: statSync(outfile).size,
    mapBytes: statSync(`${outfile}.map`).size,
    metafile: result.metafile!,
  };
}

/**
 * The deployed entry, re-exporting its own context factory (each function exports the
 * `functionContext` it is built with), so a probe can build the function's clients — only its parts —
 * without calling anything. A function with no context (it touches no table) gets a no-op, so the
 * probe adds no code to it.
 */
const probeEntry = (name: FunctionName, hasContext: boolean) => ({
  contents: hasContext
    ? `export { handler, appContext as __benchAppContext } from './${ALL_FUNCTION_ENTRIES[name]}';\n`
    : `export { handler } from './${ALL_FUNCTION_ENTRIES[name]}';\nexport const __benchAppContext = () => undefined;\n`,
});

/** Whether the function has a context of its own (each that has exports it as `appContext`). */
const bundlesContext = (meta: Metafile): boolean =>
  Object.keys(meta.inputs).some((p) => p.endsWith('shared/app/context.ts'));

const BASELINE_ENTRY = {
  contents: [
    "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
    "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    'export const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION }), { marshallOptions: { removeUndefinedValues: true } });',
    'export const __benchAppContext = () => db;',
  ].join('\n'),
};

/** Bytes of the output by package (node_modules/<pkg>) or project folder. */
function byPackage(meta: Metafile): Map<string, number> {
  const out = Object.values(meta.outputs).find(
    (o) => o.entryPoint !== undefined || Object.keys(o.inputs).length > 0,
  )!;
  const groups = new Map<string, number>();
  for (const [path, v] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : path.startsWith('bench-stub:') ? 'stub' : `${path.split('/')[0]}/ (project)`;
    groups.set(key, (groups.get(key) ?? 0) + v.bytesInOutput);
  }
  return groups;
}

// ---- measurement -----------------------------------------------------------------------------

/** Loads the bundle; with `ctx`, also builds the AppContext (the clients), calling nothing remote. Prints ms spent in-process: wall, then CPU (user + system). */
const PROBE = `const c0=process.cpuUsage();const t0=process.hrtime.bigint();const m=require(process.argv[1]);if(process.argv[2]==='ctx')m.__benchAppContext();const w=Number(process.hrtime.bigint()-t0)/1e6;const c=process.cpuUsage(c0);process.stdout.write(w+' '+(c.user+c.system)/1000);`;

interface Config {
  id: string;
  file?: string;
  mode: 'bare' | 'require' | 'ctx';
  env: NodeJS.ProcessEnv;
  samples: number;
}

interface Timing {
  wall: number[];
  inside: number[];
  cpu: number[];
}

function sample(cfg: Config): { wall: number; inside: number; cpu: number } {
  const args = cfg.mode === 'bare' ? ['-e', '0'] : ['-e', PROBE, cfg.file!, cfg.mode];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env: cfg.env, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cfg.id}: node exited ${r.status}: ${r.stderr.slice(0, 800)}`);
  const [inside, cpu] = cfg.mode === 'bare' ? [0, 0] : r.stdout.trim().split(' ').map(Number);
  return { wall, inside: inside!, cpu: cpu! };
}

/** Round-robin over the configurations so drift on the shared machine hits all of them alike. */
function measure(configs: Config[]): Map<string, Timing> {
  const timings = new Map(configs.map((c) => [c.id, { wall: [], inside: [], cpu: [] } as Timing]));
  for (const c of configs) sample(c); // warm the page cache
  const rounds = Math.max(...configs.map((c) => c.samples));
  for (let round = 0; round < rounds; round++) {
    for (const c of configs) {
      if (round >= c.samples) continue;
      const s = sample(c);
      timings.get(c.id)!.wall.push(s.wall);
      timings.get(c.id)!.inside.push(s.inside);
      timings.get(c.id)!.cpu.push(s.cpu);
    }
  }
  return timings;
}

// ---- the benchmark ---------------------------------------------------------------------------

const VARIANTS = [
  {
    id: 'no-source-maps-flag',
    label: 'without NODE_OPTIONS=--enable-source-maps',
    stubs: [] as string[],
    sourceMaps: false,
  },
  {
    id: 'no-powertools',
    label: 'Powertools logger + metrics stubbed',
    stubs: ['logger', 'metrics'],
    sourceMaps: true,
  },
  { id: 'no-zod', label: 'zod stubbed', stubs: ['zod'], sourceMaps: true },
  {
    id: 'no-powertools-no-zod',
    label: 'Powertools and zod stubbed',
    stubs: ['logger', 'metrics', 'zod'],
    sourceMaps: true,
  },
] as const;

export async function run(): Promise<Section> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'tracker-cold-start-'));
  try {
    log(`cold start: building ${FUNCTIONS.length} bundles + probes + variants into ${dir}`);
    const deployed = new Map<FunctionName, Built>();
    const probes = new Map<FunctionName, Built>();
    const variants = new Map<string, Built>();
    const hasContext = new Map<FunctionName, boolean>();
    for (const name of FUNCTIONS) {
      const d = await bundle(join(dir, 'deployed', name, 'index.js'), { file: ALL_FUNCTION_ENTRIES[name] });
      deployed.set(name, d);
      hasContext.set(name, bundlesContext(d.metafile));
      probes.set(
        name,
        await bundle(join(dir, 'probe', name, 'index.js'), probeEntry(name, hasContext.get(name)!)),
      );
      for (const v of VARIANTS) {
        if (v.stubs.length === 0) continue;
        variants.set(
          `${name}:${v.id}`,
          await bundle(join(dir, v.id, name, 'index.js'), probeEntry(name, hasContext.get(name)!), [
            stubPlugin(v.stubs),
          ]),
        );
      }
    }
    const baseline = await bundle(join(dir, 'baseline', 'index.js'), BASELINE_ENTRY);

    const baseEnv = lambdaEnv('threads-read');
    const configs: Config[] = [
      { id: 'bare', mode: 'bare', env: baseEnv, samples: SAMPLES },
      { id: 'baseline', file: baseline.file, mode: 'ctx', env: baseEnv, samples: SAMPLES },
      {
        id: 'bare:no-source-maps-flag',
        mode: 'bare',
        env: lambdaEnv('threads-read', false),
        samples: VARIANT_SAMPLES,
      },
      {
        id: 'baseline:no-source-maps-flag',
        file: baseline.file,
        mode: 'ctx',
        env: lambdaEnv('threads-read', false),
        samples: VARIANT_SAMPLES,
      },
    ];
    for (const name of FUNCTIONS) {
      configs.push({
        id: `${name}:require`,
        file: deployed.get(name)!.file,
        mode: 'require',
        env: lambdaEnv(name),
        samples: SAMPLES,
      });
      configs.push({
        id: `${name}:ctx`,
        file: probes.get(name)!.file,
        mode: 'ctx',
        env: lambdaEnv(name),
        samples: SAMPLES,
      });
      for (const v of VARIANTS) {
        const file = v.stubs.length === 0 ? probes.get(name)!.file : variants.get(`${name}:${v.id}`)!.file;
        configs.push({
          id: `${name}:${v.id}`,
          file,
          mode: 'ctx',
          env: lambdaEnv(name, v.sourceMaps),
          samples: VARIANT_SAMPLES,
        });
      }
    }
    log(
      `cold start: ${configs.length} configurations, ${SAMPLES} samples (${VARIANT_SAMPLES} for variants), round-robin`,
    );
    const t = measure(configs);
    const wall = (id: string) => median(t.get(id)!.wall);
    const inside = (id: string) => median(t.get(id)!.inside);
    const cpu = (id: string) => median(t.get(id)!.cpu);
    // The judged ratio pairs each sample with the baseline's of the same round (taken moments apart),
    // so a slow phase of the shared machine slows both sides of a ratio rather than one of them.
    const pairedCpuRatio = (id: string) => {
      const base = t.get('baseline')!.cpu;
      return median(t.get(id)!.cpu.map((c, i) => c / base[i]!));
    };
    const bare = wall('bare');
    const delta = (id: string, bareId = 'bare') => wall(id) - wall(bareId);
    const base = delta('baseline');

    // ---- tables
    const rows = FUNCTIONS.map((name) => {
      const d = deployed.get(name)!;
      const ctxDelta = delta(`${name}:ctx`);
      const r = ctxDelta / base;
      return {
        name,
        bytes: d.bytes,
        map: d.mapBytes,
        req: delta(`${name}:require`),
        ctx: ctxDelta,
        inside: inside(`${name}:ctx`),
        r,
        rIn: inside(`${name}:ctx`) / inside('baseline'),
        cpu: cpu(`${name}:ctx`),
        rCpu: pairedCpuRatio(`${name}:ctx`),
        met: pairedCpuRatio(`${name}:ctx`) <= TARGET,
      };
    });
    const mainTable = table(
      [
        'function',
        'bundle',
        'source map',
        'require − bare (ms)',
        'require + clients − bare (ms)',
        'wall ratio',
        'in-process (ms)',
        'in-process ratio',
        'in-process CPU (ms)',
        'CPU ratio',
        `CPU ratio ≤ ${TARGET}×`,
      ],
      [
        [
          'baseline (document client only)',
          kb(baseline.bytes),
          kb(baseline.mapBytes),
          '—',
          fmt(base),
          '1.00×',
          fmt(inside('baseline')),
          '1.00×',
          fmt(cpu('baseline')),
          '1.00×',
          '—',
        ],
        ...rows.map((r) => [
          hasContext.get(r.name) ? r.name : `${r.name} (builds no clients)`,
          kb(r.bytes),
          kb(r.map),
          fmt(r.req),
          fmt(r.ctx),
          ratio(r.r),
          fmt(r.inside),
          ratio(r.rIn),
          fmt(r.cpu),
          ratio(r.rCpu),
          yes(r.met),
        ]),
      ],
    );

    // The breakdown compares in-process CPU times (the same process start-up is in both sides, and
    // CPU time does not count the waits for a core that a shared machine adds to wall time).
    const bd = FUNCTIONS.map((name) => {
      const full = cpu(`${name}:ctx`);
      const cells: (string | number)[] = [hasContext.get(name) ? name : `${name} (no context)`, fmt(full)];
      for (const v of VARIANTS) {
        const saved = full - cpu(`${name}:${v.id}`);
        const bytes = v.stubs.length === 0 ? probes.get(name)!.bytes : variants.get(`${name}:${v.id}`)!.bytes;
        cells.push(
          `${fmt(saved)} ms (${fmt((saved / full) * 100, 0)}%), −${kb(probes.get(name)!.bytes - bytes)}`,
        );
      }
      return cells;
    });
    const baseIn = cpu('baseline');
    const baseSaved = baseIn - cpu('baseline:no-source-maps-flag');
    const breakdownTable = table(
      ['function', 'in-process CPU, require + clients (ms)', ...VARIANTS.map((v) => `saved: ${v.label}`)],
      [
        ...bd,
        [
          'baseline',
          fmt(baseIn),
          `${fmt(baseSaved)} ms (${fmt((baseSaved / baseIn) * 100, 0)}%)`,
          '—',
          '—',
          '—',
          '—',
        ],
      ],
    );

    // Bytes by package for the biggest bundle.
    const biggest = [...deployed.entries()].sort((a, b) => b[1].bytes - a[1].bytes)[0]!;
    const pkgs = [...byPackage(biggest[1].metafile).entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
    const pkgTable = table(
      ['package', 'bytes in bundle', 'share'],
      pkgs.map(([p, b]) => [p, kb(b), `${fmt((b / biggest[1].bytes) * 100, 0)}%`]),
    );

    const pkgBytes = (name: FunctionName, test: (pkg: string) => boolean) =>
      [...byPackage(deployed.get(name)!.metafile).entries()]
        .filter(([p]) => test(p))
        .reduce((sum, [, b]) => sum + b, 0);
    const savedIn = (name: FunctionName, variant: string) => cpu(`${name}:ctx`) - cpu(`${name}:${variant}`);
    const plan = (names: FunctionName[]) => {
      const publishers = names.filter((n) => pkgBytes(n, (p) => p === '@aws-sdk/client-eventbridge') > 0);
      return [
        '**Plan** (largest payoff first; each step can be re-measured with `npx tsx bench/cold-start.ts`):',
        '',
        publishers.length
          ? `1. **The EventBridge client** (${publishers.map((n) => `${n} ${kb(pkgBytes(n, (p) => p === '@aws-sdk/client-eventbridge'))}`).join('; ')}): bundled as the SDK's CommonJS build (every command), evaluated only at the first publish but read, compiled and source-mapped at every start. Publishing from the outbox through DynamoDB Streams (a small relay function, or EventBridge Pipes) would take it out of the functions that write.`
          : '1. No failing function carries the EventBridge client.',
        '2. **zod** and the **Powertools** logger and metrics are in every function that validates or logs; schemas are built on first use already.',
        `3. **\`--enable-source-maps\`** (saved ${names.map((n) => `${n} ~${fmt(savedIn(n, 'no-source-maps-flag'), 0)} ms`).join(', ')}): Node reads the whole map at load; the baseline pays it too.`,
        '4. Tracing costs nothing here: there is no tracer in the code (Lambda active tracing; docs/deploy.md#tracing).',
      ].join('\n');
    };
    const noZodRatios = FUNCTIONS.map((n) => ({ n, r: cpu(`${n}:no-powertools-no-zod`) / baseIn }));
    const targets = rows.map((r) => ({
      name: `cold start ${r.name} ≤ ${TARGET}× baseline`,
      met: r.met,
      detail: `${ratio(r.rCpu)} CPU (wall ${ratio(r.r)})`,
    }));
    const failing = rows.filter((r) => !r.met);
    const markdown = [
      `**Method.** Each function is bundled with esbuild exactly as the stack does (\`infra/bundling.ts\`: bundle, platform node, target \`${BUNDLING.target}\`, minify, source map, ${BUNDLING.format}, no externals). ` +
        `A sample is one fresh \`node\` process that \`require\`s the bundle and builds the function's clients (its own \`appContext()\`: the document client and the stores of its parts, the publisher — nothing remote is called; the probe bundle only re-exports the function's \`appContext\`, ` +
        `${fmt(Math.max(...FUNCTIONS.map((n) => probes.get(n)!.bytes - deployed.get(n)!.bytes)), 0)} bytes at most). The process runs with the environment the stack gives the function (read from the synthesized template, deploy-time references replaced by values of their shape: \`bench/lib/stack-env.ts\`; \`NODE_OPTIONS=--enable-source-maps\` among them) plus what Lambda sets (\`AWS_REGION\`, \`AWS_EXECUTION_ENV\`, the function's name and memory). ` +
        `The target is judged on the **CPU ratio**: the CPU time (user + system, \`process.cpuUsage()\`) the process spends requiring the bundle and building the clients, over the baseline's in the same round (the median of these paired ratios). CPU time is the work a cold start does; on this shared machine (load averages of 10–17 while other helpers run their suites) the wall-clock figures also count the waits for a core, which swing far more between samples than the code under test does (a function with a smaller bundle measured 1.5× slower than a larger one in the same run). The wall-clock ratio (\`require + clients − bare\` over the baseline's) and the in-process wall ratio are shown beside it. The wall time of a bare \`node -e 0\` (median ${fmt(bare)} ms) is subtracted. The baseline bundle only imports \`@aws-sdk/client-dynamodb\` + \`@aws-sdk/lib-dynamodb\` and creates a \`DynamoDBDocumentClient\`. ` +
        `Medians of ${SAMPLES} samples per configuration (${VARIANT_SAMPLES} for the variants), all configurations interleaved round-robin. "In-process" is the time measured inside the process around the require (less noisy; excludes process start-up).`,
      '',
      mainTable,
      '',
      failing.length === 0
        ? `Every function is within ${TARGET}× the baseline.`
        : `**Gap.** ${failing.map((r) => `${r.name} is at ${ratio(r.rCpu)}`).join(', ')} (target ${TARGET}×). The breakdown below shows where the time goes; with Powertools and zod both stubbed the functions would be at (CPU ratios) ${noZodRatios.map((x) => `${x.n} ${ratio(x.r)}`).join(', ')}.`,
      '',
      '### Where the time goes',
      '',
      `Each column rebuilds the probe with one dependency replaced by a no-op stub (or runs it without \`--enable-source-maps\`) and shows the in-process CPU time saved versus the full probe (medians of ${VARIANT_SAMPLES}), and the bytes saved. Differences of a few ms, or negative ones, are noise.`,
      '',
      breakdownTable,
      '',
      `Bytes by package in the largest bundle (\`${biggest[0]}\`, ${kb(biggest[1].bytes)}):`,
      '',
      pkgTable,
      '',
      failing.length === 0 ? '' : plan(failing.map((r) => r.name)),
    ].join('\n');

    const headline = [
      `Cold start (CPU of require + clients, ratio to a document-client-only bundle, ${fmt(cpu('baseline'))} ms): ${rows.map((r) => `${r.name} ${ratio(r.rCpu)}`).join(', ')}; tracing adds nothing (Lambda active tracing, no X-Ray SDK).`,
    ];
    return {
      id: 'cold-start',
      title: 'Cold start',
      markdown,
      targets,
      headline,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) runAlone(run);
