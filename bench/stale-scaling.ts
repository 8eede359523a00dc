import './lib/quiet';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { runStaleCheck } from '../shared/app/stale-check';
import type { Thread } from '../shared/domain/types';
import { listingItem, threadItem } from '../shared/store/items';
import { QUICK, fmt, log, runAlone, table, yes, type Section } from './lib/common';
import { batchPut, benchContext, useDynamo } from './lib/dynamo';

/**
 * Items one stale check reads (runStaleCheck's itemsRead) with 10 due threads among more and more
 * threads, against a Scan of the same table (the only Scan in the project, and only here). The
 * table grows in place: each level adds not-due threads and 10 new due ones (the previous level's
 * due threads were flagged, so they left the due index).
 */

const DUE = 10;
const FULL_LEVELS = [1_000, 10_000, 100_000];
const QUICK_LEVELS = [1_000, 5_000];
/** If writing the last level would take longer than this, stop at 50,000 threads and say so. */
const WRITE_BUDGET_S = 240;

function thread(id: string, lastRecordedAt: string, status: string): Thread {
  return {
    id,
    scenario: `scale-${id.slice(-1)}`,
    kind: 'other',
    title: `Thread ${id}`,
    status,
    statusSince: lastRecordedAt,
    statusSincePrecision: 'instant',
    summary: 'Bench thread.',
    lastOccurredAt: lastRecordedAt,
    lastOccurredPrecision: 'instant',
    lastRecordedAt,
    updateCount: 1,
    version: 1,
    staleAfterHours: 168,
    stale: false,
    staleSince: null,
    overdue: false,
    overdueSince: null,
    expected: null,
    parent: null,
    archived: false,
    keywords: [],
    criteria: null,
    createdAt: lastRecordedAt,
    updatedAt: lastRecordedAt,
  };
}

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  try {
    const ctx = await benchContext(dynamo.endpoint);
    const table_ = ctx.config.tableName;
    const now = new Date().toISOString();
    const recent = new Date(Date.now() - 3600_000).toISOString(); // due in 167 h: watched, not due
    const old = new Date(Date.now() - 30 * 24 * 3600_000).toISOString(); // due 23 days ago
    let levels = QUICK ? QUICK_LEVELS : FULL_LEVELS;
    let written = 0;
    let rate = 0;
    let note = '';
    const rows: {
      threads: number;
      items: number;
      due: number;
      itemsRead: number;
      flagged: number;
      checkMs: number;
      scanned: number;
      scanPages: number;
      scanMs: number;
    }[] = [];
    for (let li = 0; li < levels.length; li++) {
      let target = levels[li]!;
      const toWrite = target - written - DUE;
      if (rate > 0 && toWrite / rate > WRITE_BUDGET_S && target > 50_000) {
        note = `The ${target.toLocaleString('en')}-thread level was replaced by 50,000: DynamoDB Local wrote ${fmt(rate, 0)} threads/s here, so the remaining ${toWrite.toLocaleString('en')} would have taken ~${fmt(toWrite / rate, 0)} s (budget ${WRITE_BUDGET_S} s).`;
        target = 50_000;
        levels = [...levels.slice(0, li), 50_000];
      }
      const n = target - written - DUE;
      log(`stale scaling: writing ${n + DUE} threads (table grows to ${target})`);
      const items: Record<string, unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const id = `s${String(written + i).padStart(6, '0')}`;
        // Mostly watched but not due; every 4th in a terminal status (not in the due index at all).
        const t = thread(id, recent, i % 4 === 3 ? 'resolved' : 'active');
        items.push(threadItem(t), listingItem(t));
      }
      for (let i = 0; i < DUE; i++) {
        const t = thread(`due-${li}-${i}`, old, 'active');
        items.push(threadItem(t), listingItem(t));
      }
      const w0 = Date.now();
      await batchPut(ctx.db, table_, items, 6);
      rate = items.length / ((Date.now() - w0) / 1000);
      written = target;

      const c0 = Date.now();
      const result = await runStaleCheck(ctx, now);
      const checkMs = Date.now() - c0;
      // For comparison only: what a Scan-based check would read.
      let scanned = 0;
      let pages = 0;
      let start: Record<string, unknown> | undefined;
      const s0 = Date.now();
      do {
        const page = await ctx.db.send(new ScanCommand({ TableName: table_, ExclusiveStartKey: start }));
        scanned += page.ScannedCount ?? 0;
        pages++;
        start = page.LastEvaluatedKey;
      } while (start);
      const scanMs = Date.now() - s0;
      rows.push({
        threads: target,
        items: scanned,
        due: DUE,
        itemsRead: result.itemsRead,
        flagged: result.flagged.length,
        checkMs,
        scanned,
        scanPages: pages,
        scanMs,
      });
      log(
        `stale scaling: ${target} threads: stale check read ${result.itemsRead} items (${checkMs} ms), Scan read ${scanned} (${scanMs} ms)`,
      );
    }
    // Each due thread: its due-index entry, and its item for the exact due time (the index holds the hour).
    const flat = rows.every((r) => r.itemsRead === 2 * DUE && r.flagged === DUE);
    const targets = [
      {
        name: `stale check reads flat in the number of threads (${DUE} due)`,
        met: flat,
        detail: rows.map((r) => `${r.threads.toLocaleString('en')}: ${r.itemsRead}`).join(', '),
      },
    ];
    const markdown = [
      `**Method.** Thread items are written directly with BatchWrite (\`threadItem\`, so the sparse due index is maintained exactly as the app does); ${DUE} threads per level are due (last recorded 30 days ago), the rest were recorded an hour ago (due in a week) or are in a terminal status (not in the due index at all). The table grows in place from level to level; each level adds ${DUE} new due threads (the previous ones were flagged stale and left the index). ` +
        '`runStaleCheck` is timed and its `itemsRead` (ScannedCount of the due-index Query, plus the thread items it reads for their exact due time: the index is keyed by the due hour) recorded; then a full Scan of the table is run for comparison — Scan is used nowhere in the product.',
      '',
      table(
        [
          'threads',
          'items in table',
          'due',
          'stale check: items read',
          'flagged',
          'stale check ms',
          'Scan: items read',
          'Scan pages',
          'Scan ms',
          'read ratio Scan ÷ check',
        ],
        rows.map((r) => [
          r.threads.toLocaleString('en'),
          r.items.toLocaleString('en'),
          r.due,
          r.itemsRead,
          r.flagged,
          r.checkMs,
          r.scanned.toLocaleString('en'),
          r.scanPages,
          r.scanMs,
          `${fmt(r.scanned / Math.max(1, r.itemsRead), 0)}×`,
        ]),
      ),
      '',
      note,
      '',
      table(
        ['target', 'result', 'measured (threads: items read)'],
        targets.map((t) => [t.name, yes(t.met), t.detail]),
      ),
      '',
      'Times include flagging the due threads (one transaction each). "Items in table" counts everything the Scan saw (threads, the outbox and so on).',
    ].join('\n');
    const headline = [
      `Stale check reads ${rows.map((r) => `${r.itemsRead} items at ${r.threads.toLocaleString('en')} threads`).join(', ')} (a Scan: ${rows.map((r) => r.scanned.toLocaleString('en')).join(' / ')}).`,
    ];
    return {
      id: 'stale-scaling',
      title: 'Stale-check scaling',
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
