import './lib/quiet';
import { createThread, postUpdate } from '../shared/app/threads';
import { json } from '../shared/http/response';
import { QUICK, fmt, log, median, runAlone, table, yes, type Section } from './lib/common';
import { benchContext, useDynamo } from './lib/dynamo';
import { DbMeter } from './lib/meter';

/**
 * Contention: writers all posting to one thread through the app layer (shared/app/threads.ts
 * postUpdate, what the handler calls). Every update must be kept exactly once and the version must
 * count them exactly.
 */

const WRITERS = 8;
const PER_WRITER = QUICK ? 25 : 100;

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  try {
    const ctx = await benchContext(dynamo.endpoint);
    const principal = { name: 'bench', role: 'editor' as const };
    await createThread(
      ctx,
      {
        id: 'contended',
        scenario: 'bench-contention',
        kind: 'other',
        title: 'Contended',
        status: 'active',
        summary: 'Start.',
      },
      { principal },
    ).then(() => json(201, {}));
    const meter = new DbMeter(ctx.db);
    log(`contention: ${WRITERS} writers × ${PER_WRITER} updates on one thread`);
    const latencies: number[] = [];
    let failures = 0;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let i = 0; i < PER_WRITER; i++) {
          const s = Date.now();
          try {
            await postUpdate(
              ctx,
              'contended',
              { status: null, summary: `writer ${w} update ${i}` },
              { principal },
            ).then(() => json(201, {}));
            latencies.push(Date.now() - s);
          } catch (error) {
            failures++;
            log(`contention: writer ${w} update ${i} failed: ${String(error)}`);
          }
        }
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    const calls = meter.take();
    meter.detach();
    const history = await ctx.threads.loadHistory('contended');
    const total = WRITERS * PER_WRITER;
    const thread = history.thread!;
    const summaries = new Set(history.updates.map((u) => u.summary));
    const allKept = history.updates.length === total + 1 && summaries.size === total + 1 && failures === 0;
    const versionExact = thread.version === total + 1 && thread.updateCount === total + 1;
    const commits = calls.filter((c) => c.op === 'TransactWrite');
    const conflicts = commits.filter((c) => c.error).length;
    const claims = calls.filter((c) => c.op === 'Update');
    const targets = [
      {
        name: `contention: all ${total} updates kept`,
        met: allKept,
        detail: `${history.updates.length - 1} kept (${summaries.size - 1} distinct), ${failures} failed`,
      },
      {
        name: 'contention: version exact',
        met: versionExact,
        detail: `version ${thread.version}, updateCount ${thread.updateCount}, expected ${total + 1}`,
      },
    ];
    const markdown = [
      `**Method.** ${WRITERS} concurrent writers each post ${PER_WRITER} notes to one thread through \`postUpdate\` (the app layer the handler calls), over DynamoDB Local. Each write reads the thread item (an in-order update needs nothing else) and commits with a version condition. A writer that loses a race queues: it claims the thread's turn (an UpdateItem on the thread item that goes to the writer waiting longest and returns the item), then decides and commits; refused, it waits behind the holder (\`WRITE_MAX_ATTEMPTS\` ${ctx.config.writeMaxAttempts}, budget ${ctx.config.writeRetryBudgetMs / 1000} s per request). Afterwards the partition is read back and checked.`,
      '',
      table(
        [
          'writers × updates',
          'kept',
          'version (expected)',
          'wall time',
          'updates/s',
          'commit attempts',
          'lost races',
          'attempts per update',
          'median / max latency',
        ],
        [
          [
            `${WRITERS} × ${PER_WRITER}`,
            `${history.updates.length - 1} / ${total}`,
            `${thread.version} (${total + 1})`,
            `${fmt(seconds, 1)} s`,
            fmt(total / seconds, 1),
            commits.length,
            conflicts,
            fmt(commits.length / total, 2),
            `${fmt(median(latencies), 0)} / ${fmt(Math.max(...latencies), 0)} ms`,
          ],
        ],
      ),
      '',
      table(
        ['check', 'result', 'measured'],
        targets.map((t) => [t.name, yes(t.met), t.detail]),
      ),
      '',
      `Turn claims: ${claims.length} (${claims.filter((c) => c.error).length} refused: an older writer held the turn). Reads: ${calls.filter((c) => c.op === 'Get').length} GetItems of the thread item (one per request: a retry gets the item back from its claim), ${fmt(
        calls.filter((c) => c.op === 'Get' || c.op === 'Query').reduce((s, c) => s + c.rcu, 0),
        0,
      )} RCU in all for ${total} updates, however long the thread grew.`,
    ].join('\n');
    const headline = [
      `Contention ${WRITERS}×${PER_WRITER} on one thread: ${allKept ? 'all kept' : 'LOST UPDATES'}, version ${versionExact ? 'exact' : 'WRONG'} (${thread.version}), ${fmt(total / seconds, 1)} updates/s, ${fmt(commits.length / total, 2)} commit attempts per update.`,
    ];
    return {
      id: 'contention',
      title: 'Contention on one thread',
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
