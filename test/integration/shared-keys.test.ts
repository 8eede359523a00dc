import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { runStaleCheck } from '../../shared/app/stale-check';
import { addHours, nowUtc } from '../../shared/domain/time';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 12: no item may sit in the transactions of threads of different scenarios (two writers on
 * unrelated threads must never conflict or queue on one item). Every TransactWriteItems a thread
 * write sends is captured by a middleware on the real document client, over DynamoDB Local.
 */

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The key a transact item touches, as `PK|SK` (the document client's input is not yet marshalled). */
function keyOf(item: TransactItem): string {
  const op = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  const key = (item.Put ? item.Put.Item : (op as { Key?: Record<string, unknown> }).Key) ?? {};
  return `${String(key.PK)}|${String(key.SK)}`;
}

let s: TestServer;
const captured: string[][] = [];

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
  s.ctx.db.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Partial<TransactWriteCommandInput>;
      if (Array.isArray(input.TransactItems)) captured.push(input.TransactItems.map(keyOf));
      return next(args);
    },
    { step: 'initialize', name: 'captureTransactions' },
  );
});
afterAll(async () => s.close());

/** Every kind of thread write, on one thread: create, update, late update, retraction, patch (the stale flag comes after). */
async function writeAll(id: string, scenario: string): Promise<void> {
  const key = (k: string) => ({ 'Idempotency-Key': `${id}-${k}` });
  expect(
    (
      await s.call('POST', '/threads', {
        headers: key('create'),
        body: {
          id,
          scenario,
          kind: 'summit',
          title: id,
          status: 'proposed',
          summary: 'Proposed.',
          staleAfterHours: 1,
        },
      })
    ).status,
  ).toBe(201);
  const update = await s.call('POST', `/threads/${id}/updates`, {
    headers: key('update'),
    body: { status: 'announced', summary: 'Announced.' },
  });
  expect(update.status).toBe(201);
  expect(
    (
      await s.call('POST', `/threads/${id}/updates`, {
        headers: key('late'),
        body: { status: 'scheduled', summary: 'Late report.', occurredAt: '2025-01-01T00:00:00Z' },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await s.call('POST', `/threads/${id}/updates/${update.body.update.id}/retraction`, {
        headers: key('retract'),
        body: { reason: 'Wrong.' },
      })
    ).status,
  ).toBe(200);
  expect((await s.call('PATCH', `/threads/${id}`, { body: { title: `${id} (renamed)` } })).status).toBe(200);
}

describe('thread writes share no item across scenarios', () => {
  it('the transactions of two threads in two scenarios touch disjoint keys, and only their own thread, keys and outbox shard', async () => {
    // Prepare and act: every kind of write, on a thread in each scenario, then the stale flag of both
    await writeAll('alpha-talks', 'alpha');
    await writeAll('beta-talks', 'beta');
    const flagged = await runStaleCheck(s.ctx, addHours(nowUtc(), 2));
    expect(flagged.flagged.sort()).toEqual(['alpha-talks', 'beta-talks']);

    // Assess: attribute each transaction to the thread it writes
    const byThread = new Map<string, Set<string>>();
    for (const keys of captured) {
      const threads = new Set(
        keys.filter((k) => k.startsWith('THREAD#')).map((k) => k.split('|')[0]!.slice('THREAD#'.length)),
      );
      expect(threads.size).toBe(1);
      const [thread] = [...threads];
      const set = byThread.get(thread!) ?? new Set<string>();
      for (const k of keys) set.add(k);
      byThread.set(thread!, set);
      // Only the thread's own partition, idempotency records and a shard of the outbox.
      for (const k of keys)
        expect(k).toMatch(
          new RegExp(
            `^(THREAD#${thread}\\||IDEMPOTENCY#[0-9a-f]+\\|#IDEMPOTENCY$|OUTBOX#[0-7]\\|[0-9A-Z]{26}$)`,
          ),
        );
    }
    // 5 writes per thread (create, update, late update, retraction, patch) plus its stale flag.
    expect(captured).toHaveLength(12);
    const alpha = [...byThread.get('alpha-talks')!];
    const beta = byThread.get('beta-talks')!;
    expect(alpha.filter((k) => beta.has(k))).toEqual([]);
    // The counters of the old design are gone: nothing but thread, idempotency and outbox items.
    expect([...alpha, ...beta].filter((k) => k.startsWith('CHANGES'))).toEqual([]);
  });
});
