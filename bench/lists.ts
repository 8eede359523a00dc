import './lib/quiet';
import type { AppContext } from '../shared/app/context';
import { createThread, postUpdate } from '../shared/app/threads';
import type { Thread } from '../shared/domain/types';
import { json } from '../shared/http/response';
import { listingItem, threadItem, toThread } from '../shared/store/items';
import { THREAD_SHARDS } from '../shared/store/keys';
import { ThreadLists, type ThreadFilter } from '../shared/store/thread-lists';
import { QUICK, fmt, log, runAlone, table, yes, type Section, type Target } from './lib/common';
import { batchPut, benchContext, useDynamo } from './lib/dynamo';
import { DbMeter, costOf } from './lib/meter';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { BENCH_TOKENS, listen, prepareTable } from './lib/server';

/**
 * Issue 12, items 2 and 3: thread writes share no item, and lists read only what they return.
 *
 * 1. Writers on distinct threads (1, 2, 4, 8 at once), all in one scenario and each in its own:
 *    writes a second and transaction conflicts. With the change counters of the old design every
 *    write's transaction touched two shared items, so writers on different threads conflicted.
 * 2. Filtered pages among 10,000 threads: items read (ScannedCount) and read units per page.
 * 3. What a list 304 costs: the page's own Query (its ETag is the page digest), nothing table-wide.
 */

const WRITER_LEVELS = [1, 2, 4, 8];
const WRITE_SECONDS = QUICK ? 1 : 4;
const THREADS = QUICK ? 2_000 : 10_000;
const LIMIT = 50;
const THREADS_PER_WRITER = 8;
/** Threads the writers created (they count as changed for `updatedSince`). */
let writerThreads = 0;
const editor = { principal: { name: 'bench', role: 'editor' as const } };
const render = () => json(201, {});

const OLD = 'old design (counters put back)';
type Layout = 'one scenario' | 'many scenarios' | typeof OLD;
const LAYOUTS: Layout[] = ['one scenario', 'many scenarios', OLD];

/**
 * The control: the first design's two change counters (`CHANGES/ALL`, `CHANGES/SCENARIO#<s>`) put
 * back into every TransactWriteItems, exactly as it bumped them, for one run. Returns the undo.
 */
function withOldCounters(ctx: AppContext): () => void {
  const send = ctx.db.send.bind(ctx.db) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;
  const table = ctx.config.tableName;
  const bump = (SK: string) => ({
    Update: {
      TableName: table,
      Key: { PK: 'CHANGES', SK },
      UpdateExpression: 'ADD n :one',
      ExpressionAttributeValues: { ':one': 1 },
    },
  });
  (ctx.db as unknown as { send: typeof send }).send = (command, ...rest) => {
    if (command instanceof TransactWriteCommand)
      command.input.TransactItems = [
        ...(command.input.TransactItems ?? []),
        bump('ALL'),
        bump('SCENARIO#old'),
      ];
    return send(command, ...rest);
  };
  return () => {
    (ctx.db as unknown as { send: typeof send }).send = send;
  };
}

interface WriteRow {
  layout: Layout;
  writers: number;
  writes: number;
  perSecond: number;
  conflicts: number;
  p50: number;
}

/**
 * `writers` loops, each posting notes to its own fresh threads for WRITE_SECONDS, round-robin over
 * THREADS_PER_WRITER of them, so that writers never meet on a thread: this measures the write path
 * of distinct threads, not contention on one.
 */
async function writers(
  ctx: AppContext,
  meter: DbMeter,
  layout: Layout,
  n: number,
  round: number,
): Promise<WriteRow> {
  const tag = layout === 'one scenario' ? 'one' : layout === 'many scenarios' ? 'many' : 'old';
  const own = Array.from({ length: n }, (_, w) =>
    Array.from({ length: THREADS_PER_WRITER }, (_, k) => `w${round}-${tag}-${n}-${w}-${k}`),
  );
  for (const [w, ids] of own.entries()) {
    const scenario = layout === 'many scenarios' ? `load-${round}-${w}` : `load-${round}-${tag}`;
    for (const id of ids)
      await createThread(
        ctx,
        { id, scenario, kind: 'other', title: id, status: 'active', summary: 'Started.' },
        editor,
      ).then(render);
  }
  writerThreads += n * THREADS_PER_WRITER;
  const restore = layout === OLD ? withOldCounters(ctx) : () => undefined;
  meter.take();
  const latencies: number[] = [];
  const until = Date.now() + WRITE_SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    own.map(async (ids, w) => {
      for (let k = 0; Date.now() < until; k++) {
        const t0 = Date.now();
        await postUpdate(
          ctx,
          ids[k % ids.length]!,
          { status: null, summary: `Note ${w}.${k}.` },
          editor,
        ).then(render);
        latencies.push(Date.now() - t0);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  restore();
  const calls = meter.take();
  const conflicts = calls.filter((c) => c.op === 'TransactWrite' && c.error).length;
  latencies.sort((a, b) => a - b);
  return {
    layout,
    writers: n,
    writes: latencies.length,
    perSecond: latencies.length / seconds,
    conflicts,
    p50: latencies[Math.floor(latencies.length / 2)] ?? NaN,
  };
}

function bigThread(i: number, stale: boolean, status: string): Thread {
  const at = new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString();
  return {
    id: `big-${String(i).padStart(5, '0')}`,
    scenario: i % 2 ? 'big-odd' : 'big-even',
    kind: 'other',
    title: `Thread ${i}`,
    status,
    statusSince: at,
    statusSincePrecision: 'instant',
    summary: 'A thread among many.',
    lastOccurredAt: at,
    lastOccurredPrecision: 'instant',
    lastRecordedAt: at,
    updateCount: 1,
    version: 1,
    staleAfterHours: 168,
    stale,
    staleSince: stale ? at : null,
    overdue: false,
    overdueSince: null,
    expected: null,
    parent: null,
    archived: false,
    keywords: [],
    criteria: null,
    createdAt: at,
    updatedAt: at,
  };
}

interface ListRow {
  list: string;
  returned: number;
  itemsRead: number;
  queries: number;
  rcu: number;
  /** Items a page may read; undefined for a filter expression (its rounds are capped instead). */
  bound?: number;
}

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  try {
    const ctx = await benchContext(dynamo.endpoint);
    await prepareTable(ctx, false);
    const meter = new DbMeter(ctx.db);

    // ---- 1. writers on distinct threads, levels interleaved (one, many, one, many…) per writer count
    log('lists: writers on distinct threads');
    // Two passes, up then down (1, 2, 4, 8, 8, 4, 2, 1), so drift on the shared machine hits every level alike.
    const passes: WriteRow[] = [];
    const order = [...WRITER_LEVELS, ...[...WRITER_LEVELS].reverse()];
    for (const [round, n] of order.entries()) {
      for (const layout of LAYOUTS) passes.push(await writers(ctx, meter, layout, n, round));
      log(
        `lists: ${n} writer(s): ${passes
          .slice(-3)
          .map((r) => `${r.layout} ${fmt(r.perSecond, 0)}/s, ${r.conflicts} conflicts`)
          .join('; ')}`,
      );
    }
    const writes: WriteRow[] = WRITER_LEVELS.flatMap((n) =>
      LAYOUTS.map((layout) => {
        const runs = passes.filter((r) => r.writers === n && r.layout === layout);
        const total = runs.reduce((a, r) => a + r.writes, 0);
        return {
          layout,
          writers: n,
          writes: total,
          perSecond: runs.reduce((a, r) => a + r.perSecond, 0) / runs.length,
          conflicts: runs.reduce((a, r) => a + r.conflicts, 0),
          p50: Math.max(...runs.map((r) => r.p50)),
        };
      }),
    );

    // ---- 2. filtered pages among THREADS threads
    log(`lists: writing ${THREADS} threads`);
    // 10 stale threads in all (5 in each scenario), 1 in 20 held, 1 in 50 updated "recently".
    const items = Array.from({ length: THREADS }, (_, i) => {
      const t = bigThread(i, i % Math.floor(THREADS / 10) === 3, i % 20 === 5 ? 'stalled' : 'active');
      return threadItem(i % 50 === 1 ? { ...t, updatedAt: '2025-06-01T00:00:00.000Z' } : t);
    });
    items.push(...items.map((item) => listingItem(toThread(item))));
    await batchPut(ctx.db, ctx.config.tableName, items, 6);
    const lists = new ThreadLists(ctx.db, ctx.config.tableName);
    const rows: ListRow[] = [];
    const measure = async (name: string, filter: ThreadFilter, bound?: number) => {
      meter.take();
      const page = await lists.list(filter, LIMIT);
      const cost = costOf(meter.take());
      rows.push({
        list: name,
        returned: page.items.length,
        itemsRead: page.itemsRead,
        queries: cost.roundTrips,
        rcu: cost.rcu,
        bound,
      });
    };
    const shards = THREAD_SHARDS;
    await measure('`?stale=true` (10 stale among all)', { stale: true }, LIMIT + 1);
    await measure('`?scenario=big-odd&stale=true`', { scenario: 'big-odd', stale: true }, LIMIT + 1);
    // A filter on the scenario's partition (issue 25: the scenario-status index moved its key on
    // every status change): it reads the scenario's listings, here 5,000 of them, 1 in 20 matching.
    await measure('`?scenario=big-odd&status=stalled` (a filter on the scenario)', {
      scenario: 'big-odd',
      status: 'stalled',
    });
    await measure('`?status=stalled` (all threads, sharded)', { status: 'stalled' }, LIMIT + 3 * shards);
    // Changed since: 1 in 50 of the big threads, plus the writers' threads of part 1.
    await measure(
      '`?updatedSince=…` (1 in 50 changed)',
      { updatedSince: '2025-05-31T00:00:00.000Z' },
      Math.ceil(THREADS / 50) + writerThreads,
    );
    await measure(
      '`?scenario=big-odd&updatedSince=…`',
      { scenario: 'big-odd', updatedSince: '2025-05-31T00:00:00.000Z' },
      Math.ceil(THREADS / 50),
    );
    await measure('`?scenario=big-odd` (unfiltered)', { scenario: 'big-odd' }, LIMIT + 1);
    await measure('`/threads` (unfiltered, all threads, sharded)', {}, LIMIT + 3 * shards);
    await measure('`?kind=other&stale=false` (a filter expression)', { kind: 'other', stale: false });
    await measure(
      '`?status=stalled&stale=true` (filter on the stale index)',
      { status: 'stalled', stale: true },
      10,
    );

    // ---- 3. list 304 through the local server
    log('lists: list 304 cost');
    const server = await listen();
    const polls: { path: string; status: number; ops: string; rcu: number; gets: string[] }[] = [];
    try {
      for (const path of [
        '/threads?scenario=big-odd&stale=true',
        '/threads?limit=50',
        '/threads?scenario=big-odd&limit=50',
      ]) {
        const headers = { Authorization: `Bearer ${BENCH_TOKENS.reader}` };
        const first = await fetch(`${server.url}${path}`, { headers });
        await first.text();
        meter.take();
        const again = await fetch(`${server.url}${path}`, {
          headers: { ...headers, 'If-None-Match': first.headers.get('etag') ?? '' },
        });
        await again.text();
        const handler = meter.take().filter((c) => !c.pk.startsWith('TOKEN#'));
        const kinds = [...new Set(handler.map((c) => `${c.op}${c.index ? ` ${c.index}` : ''}`))];
        const ops = kinds
          .map(
            (k) => `${handler.filter((c) => `${c.op}${c.index ? ` ${c.index}` : ''}` === k).length} × ${k}`,
          )
          .join(' + ');
        const gets = handler.filter((c) => c.op === 'Get').map((c) => c.pk);
        polls.push({ path, status: again.status, ops, rcu: costOf(handler).rcu, gets });
      }
    } finally {
      await server.close();
    }
    meter.detach();

    // ---- report
    const at = (layout: Layout, n: number) => writes.find((r) => r.layout === layout && r.writers === n)!;
    const sum = (rs: WriteRow[], k: 'writes' | 'conflicts') => rs.reduce((a, r) => a + r[k], 0);
    const growth = (layout: Layout) => at(layout, 8).perSecond / at(layout, 1).perSecond;
    const targets: Target[] = [
      ...(['one scenario', 'many scenarios'] as const).map((layout) => ({
        name: `writers on distinct threads, ${layout}: throughput grows with writers (8 writers ≥ 1.5× one)`,
        met: growth(layout) >= 1.5,
        detail:
          WRITER_LEVELS.map((n) => `${n}: ${fmt(at(layout, n).perSecond, 0)}/s`).join(', ') +
          ` (${fmt(growth(layout), 2)}×)`,
      })),
      {
        name: 'writers on distinct threads never conflict (no shared item in their transactions)',
        met: writes.every((r) => r.layout === OLD || r.conflicts === 0),
        detail: `${sum(
          writes.filter((r) => r.layout !== OLD),
          'conflicts',
        )} conflicts in ${sum(
          writes.filter((r) => r.layout !== OLD),
          'writes',
        )} writes; the old design, same run: ${sum(
          writes.filter((r) => r.layout === OLD),
          'conflicts',
        )} in ${sum(
          writes.filter((r) => r.layout === OLD),
          'writes',
        )}`,
      },
      {
        name: `\`?stale=true\` among ${THREADS.toLocaleString('en')} threads reads at most limit + 1 items`,
        met: rows[0]!.itemsRead <= LIMIT + 1 && rows[1]!.itemsRead <= LIMIT + 1,
        detail: `${rows[0]!.itemsRead} and ${rows[1]!.itemsRead} items read (limit ${LIMIT})`,
      },
      {
        name: 'every list page reads within its bound (O(page), not O(table))',
        met: rows.every((r) => r.bound === undefined || r.itemsRead <= r.bound),
        detail: rows
          .filter((r) => r.bound !== undefined)
          .map((r) => `${r.itemsRead}/${r.bound}`)
          .join(', '),
      },
      {
        // A scenario's list also reads its mark (shared/app/list-marks.ts): the scenario's item and
        // its newest changes-feed carrier. These threads were written without carriers: no mark.
        name: "a list 304 costs only the page read, and a scenario's list its mark (no counter, no table-wide item)",
        met: polls.every((p) => p.status === 304 && p.gets.every((pk) => pk.startsWith('SCENARIO#'))),
        detail: polls.map((p) => `${p.status}: ${p.ops}`).join('; '),
      },
    ];
    const markdown = [
      `**Method.** App layer (\`postUpdate\`) over DynamoDB Local in memory, on this machine's shared cores. Writers: ${WRITER_LEVELS.join(', ')} concurrent loops, each posting notes round-robin to its own ${THREADS_PER_WRITER} new threads for ${WRITE_SECONDS} s (short histories: this measures the write path, not history reads), the threads all in one scenario or each in its own; the two layouts alternate, and the levels run up then down (1, 2, 4, 8, 8, 4, 2, 1): writes/s is the mean of the two passes, p50 the worse. "Conflicts" counts TransactWriteItems cancelled (version or transaction conflict), which with the old change counters hit writers of *different* threads. Lists: ${THREADS.toLocaleString('en')} thread items written with BatchWrite (\`threadItem\`, so every index is maintained as the app does), two scenarios, 10 stale, 1 in 20 \`stalled\`, 1 in 50 updated later; a first page of ${LIMIT} through \`ThreadLists\`, metered (ScannedCount and consumed capacity). 304: the local server, the same GET again with the ETag it gave.`,
      '',
      table(
        ['layout', 'writers', 'writes', 'writes/s', 'conflicts', 'p50 ms'],
        writes.map((r) => [r.layout, r.writers, r.writes, fmt(r.perSecond, 0), r.conflicts, r.p50]),
      ),
      '',
      `"${OLD}" is the control: the same writers (all in one scenario) with the first design's two change counters added back to every transaction. DynamoDB Local is one Java process on the same two shared cores as the writers (and, in this run, as other work), so every curve flattens with the CPU. DynamoDB Local also serialises transactions instead of cancelling the loser with \`TransactionConflict\`: even the control sees no conflicts here, so this table cannot show what the counters cost on DynamoDB (issue 12's model: ~40 writes/s in all with 32 writers, ~8 retries a write). That the new write path shares no item is proven by \`test/integration/shared-keys.test.ts\`, not by this curve. On DynamoDB the writes of distinct threads share no item and no partition key (see docs/capacity.md).`,
      '',
      table(
        ['list (limit 50)', 'returned', 'items read', 'bound', 'Queries', 'RCU'],
        rows.map((r) => [r.list, r.returned, r.itemsRead, r.bound ?? '—', r.queries, fmt(r.rcu, 1)]),
      ),
      '',
      `Bounds: limit + 1 in one partition; limit + 3 × ${shards} shards for a k-way merge of the sharded all-threads indexes; the changed threads for \`updatedSince\`. Before (issue 12): \`?stale=true\` among 10,000 threads read 10,492 items in 21 Query pages.`,
      '',
      table(
        ['list 304 poll', 'status', 'DynamoDB (handler, after the authorizer)', 'RCU'],
        polls.map((p) => [p.path, p.status, p.ops, fmt(p.rcu, 1)]),
      ),
      '',
      table(
        ['target', 'result', 'measured'],
        targets.map((t) => [t.name, yes(t.met), t.detail]),
      ),
    ].join('\n');
    const headline = [
      `Writers on distinct threads, side by side: ${(['one scenario', 'many scenarios'] as const).map((layout) => `${layout} ${WRITER_LEVELS.map((n) => `${n}→${fmt(at(layout, n).perSecond, 0)}/s`).join(', ')} (8 ÷ 1 = ${fmt(growth(layout), 2)}×)`).join('; ')}; the old counters put back, same run: ${fmt(at(OLD, 1).perSecond, 0)}→${fmt(at(OLD, 8).perSecond, 0)}/s (${fmt(growth(OLD), 2)}×); ${sum(
        writes.filter((r) => r.layout !== OLD),
        'conflicts',
      )} conflicts.`,
      `Lists: \`?stale=true\` among ${THREADS.toLocaleString('en')} threads reads ${rows[0]!.itemsRead} items (was 10,492); a list 304 costs ${polls.map((p) => `${p.ops} (${fmt(p.rcu, 1)} RCU)`).join(', ')} — the page's own Query, nothing table-wide.`,
    ];
    return {
      id: 'lists',
      title: 'Writers on distinct threads and list reads',
      markdown,
      targets,
      headline,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
