import { outletsOf } from '../shared/domain/outlets';
import './lib/quiet';
import { fork, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { ulid } from 'ulid';
import type { Thread, Update } from '../shared/domain/types';
import { listingItem, threadItem, updateItem } from '../shared/store/items';
import { QUICK, fmt, log, runAlone, table, yes, type Section } from './lib/common';
import { batchPut, benchContext, useDynamo } from './lib/dynamo';
import { BENCH_TOKENS, prepareTable } from './lib/server';

/**
 * Issue 28: a scenario's export streams in constant memory. Two scenarios of one table, 10,000 and
 * 100,000 updates (1,000 per thread), each exported once as CSV by a fresh local server in its own
 * process; the client reads the answer and throws it away. The server's peak RSS
 * (`process.resourceUsage().maxRSS`, the process's high-water mark) is compared side by side:
 * flat means within 10% of each other, whatever the export's size. QUICK: 1,000 and 10,000.
 *
 *   npx tsx bench/export-memory.ts        # full: loads 110,000 items into DynamoDB Local first
 *   BENCH_QUICK=1 npx tsx bench/export-memory.ts
 */

const SIZES = QUICK ? [1_000, 10_000] : [10_000, 100_000];
const PER_THREAD = 1_000;
const TARGET = 0.1;
const MB = 1024 * 1024;

const childEnv = (endpoint: string, tableName: string): NodeJS.ProcessEnv => ({
  ...process.env,
  DYNAMODB_ENDPOINT: endpoint,
  TABLE_NAME: tableName,
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const next = <T>(child: ChildProcess): Promise<T> =>
  new Promise((done, fail) => {
    const onExit = (code: number | null) => fail(new Error(`server child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      done(m as T);
    });
  });

/** A scenario of `updates` updates, PER_THREAD a thread, with realistic wording and sources. */
function scenarioItems(scenario: string, updates: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  const base = Date.parse('2025-05-16T00:00:00Z');
  for (let t = 0; t < updates / PER_THREAD; t++) {
    const id = `${scenario}-${String(t).padStart(4, '0')}`;
    const at = new Date(base).toISOString();
    const thread: Thread = {
      id,
      scenario,
      kind: 'other',
      title: `Thread ${t} of ${scenario}`,
      status: 'active',
      statusSince: at,
      statusSincePrecision: 'instant',
      summary: 'Ongoing.',
      lastOccurredAt: at,
      lastOccurredPrecision: 'instant',
      lastRecordedAt: at,
      updateCount: PER_THREAD,
      version: PER_THREAD,
      staleAfterHours: 72,
      stale: false,
      staleSince: null,
      overdue: false,
      overdueSince: null,
      expected: null,
      parent: null,
      archived: false,
      createdAt: at,
      updatedAt: at,
      keywords: [],
      criteria: null,
    };
    items.push(threadItem(thread), listingItem(thread));
    for (let u = 0; u < PER_THREAD; u++) {
      const occurred = new Date(base + u * 3_600_000).toISOString();
      const update: Update = {
        id: ulid(),
        threadId: id,
        status: u % 3 === 0 ? 'active' : null,
        summary: `Update ${u}: officials said, "talks continue", and a second source confirmed it.`,
        occurredAt: occurred,
        occurredPrecision: u % 4 === 0 ? 'day' : 'instant',
        recordedAt: occurred,
        postedBy: 'bench',
        sources: [{ url: `https://example.org/news/${t}/${u}` }, { url: 'https://example.com/wire' }],
        quotes: [],
        retracted: false,
        retraction: null,
        revisedAt: null,
        revisedBy: null,
        revisionCount: 0,
        key: false,
      };
      items.push(updateItem({ ...update, outlets: outletsOf(update) }));
    }
  }
  return items;
}

/** One export read to its end and discarded: bytes and rows received, seconds taken. */
function download(url: string): Promise<{ bytes: number; rows: number; seconds: number }> {
  const started = Date.now();
  return new Promise((done, fail) => {
    get(url, { headers: { Authorization: `Bearer ${BENCH_TOKENS.reader}` } }, (res) => {
      if (res.statusCode !== 200) return fail(new Error(`export answered ${res.statusCode}`));
      let bytes = 0;
      let rows = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
      });
      res.on('end', () => done({ bytes, rows: rows - 1, seconds: (Date.now() - started) / 1000 }));
      res.on('error', fail);
    }).on('error', fail);
  });
}

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  try {
    const ctx = await benchContext(dynamo.endpoint);
    await prepareTable(ctx, false);
    for (const size of SIZES) {
      const loadStarted = Date.now();
      await batchPut(ctx.db, ctx.config.tableName, scenarioItems(`export-${size}`, size), 8);
      log(`export-memory: ${size} updates loaded in ${fmt((Date.now() - loadStarted) / 1000)} s`);
    }
    const results: {
      size: number;
      idle: number;
      peak: number;
      lifetime: number;
      bytes: number;
      rows: number;
      seconds: number;
    }[] = [];
    for (const size of SIZES) {
      // A fresh server per size: its peak RSS is this export's alone.
      const server = fork(join(__dirname, 'lib', 'server-child.ts'), [], {
        execArgv: ['--import', 'tsx'],
        env: childEnv(dynamo.endpoint, ctx.config.tableName),
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      try {
        const { url } = await next<{ url: string }>(server);
        // Warm: the route, csv-stringify and the SDK loaded before the idle figure is taken.
        await download(`${url}/scenarios/export-${SIZES[0]}/export?format=csv`);
        server.send('memory');
        const idle = (await next<{ rss: number }>(server)).rss;
        server.send('sample');
        const got = await download(`${url}/scenarios/export-${size}/export?format=csv`);
        server.send('memory');
        const { sampledMax: peak, maxRss: lifetime } = await next<{ sampledMax: number; maxRss: number }>(
          server,
        );
        results.push({ size, idle, peak, lifetime, ...got });
        log(`export-memory: ${size} rows in ${fmt(got.seconds)} s, peak RSS ${fmt(peak / MB)} MiB`);
      } finally {
        server.kill();
      }
    }
    const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
    const growth = large.peak / small.peak - 1;
    const met = Math.abs(growth) <= TARGET;
    const markdown = [
      `Each export is one CSV request to a fresh local server (its own process) over DynamoDB Local, after a warm-up export of the smaller scenario; the client discards what it reads. Peak RSS is the highest RSS the server sampled (every 10 ms) while the export ran; the process's lifetime high-water mark (\`process.resourceUsage().maxRSS\`, start-up included) is beside it.`,
      '',
      table(
        [
          'updates',
          'rows received',
          'MiB sent',
          'bytes a row',
          'seconds',
          'RSS before (MiB)',
          'peak RSS during export (MiB)',
          'lifetime peak RSS (MiB)',
        ],
        results.map((r) => [
          r.size.toLocaleString('en'),
          r.rows.toLocaleString('en'),
          fmt(r.bytes / MB),
          fmt(r.bytes / r.rows, 0),
          fmt(r.seconds),
          fmt(r.idle / MB),
          fmt(r.peak / MB),
          fmt(r.lifetime / MB),
        ]),
      ),
      '',
      `Peak RSS at ${large.size.toLocaleString('en')} updates differs from the one at ${small.size.toLocaleString('en')} by ${fmt(growth * 100)}% (target: within ${TARGET * 100}%): ${yes(met)}.`,
    ].join('\n');
    return {
      id: 'export-memory',
      title: 'Export memory (issue 28)',
      markdown,
      targets: [
        {
          name: `export peak RSS flat (${small.size} vs ${large.size} updates, within 10%)`,
          met,
          detail: `${fmt(small.peak / MB)} MiB vs ${fmt(large.peak / MB)} MiB (${fmt(growth * 100)}%)`,
        },
      ],
      headline: [
        `Export: peak RSS ${fmt(small.peak / MB)} MiB at ${small.size.toLocaleString('en')} updates, ${fmt(large.peak / MB)} MiB at ${large.size.toLocaleString('en')}`,
      ],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
