import fc from 'fast-check';
import { settleMs } from '../../shared/app/changes';
import { tick, useFakeDate } from '../support/fake-date';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Contract 1.2, "What changed since": a client that stores the last cursor and asks again misses
 * nothing and sees nothing twice, edits and retractions included, even when changes share a
 * millisecond. Random interleavings of writes, late reports, amendments, retractions and moves with
 * polls, over HTTP; the test clock is Jest's fake Date (timers real), moved on by 0 or 1 ms between
 * writes and by random steps (some within the feed's settle time, some past it) before polls.
 */

let s: TestServer;
let settle: number;
const reader = { role: 'reader' as const };

beforeAll(async () => {
  useFakeDate();
  s = await startTestServer({ notifications: false, seed: false });
  settle = settleMs(s.ctx.config);
});
afterAll(async () => {
  await s.close();
  jest.useRealTimers();
});

type Op =
  | { kind: 'post'; ms: number; thread: number; status: string | null; late: boolean }
  | { kind: 'amend' | 'retract'; ms: number; thread: number; pick: number }
  | { kind: 'move'; ms: number; thread: number }
  | { kind: 'poll'; wait: 'none' | 'some' | 'settled' };

const write = { ms: fc.constantFrom(0, 0, 1), thread: fc.nat({ max: 1 }) };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('post' as const),
    ...write,
    status: fc.constantFrom(null, 'scheduled', 'postponed', 'held'),
    late: fc.boolean(),
  }),
  fc.record({ kind: fc.constantFrom('amend' as const, 'retract' as const), ...write, pick: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), ...write }),
  fc.record({
    kind: fc.constant('poll' as const),
    wait: fc.constantFrom('none' as const, 'some' as const, 'settled' as const),
  }),
);

/** What a recorded change is known by here: its type, thread and update, and the feeds it belongs to. */
interface Expected {
  key: string;
  scenarios: string[];
}

/** A client of one feed: it stores the last cursor it read and asks for what came after it. */
class Poller {
  readonly seen: any[] = [];
  private since: string;
  constructor(
    private readonly path: string,
    start: string,
  ) {
    this.since = start;
  }
  async poll(): Promise<void> {
    let token: string | null = null;
    do {
      const q = `since=${encodeURIComponent(this.since)}&limit=3${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`;
      const r = await s.call('GET', `${this.path}?${q}`, reader);
      expect(r.status).toBe(200);
      this.seen.push(...r.body.items);
      token = r.body.nextToken;
    } while (token);
    const last = this.seen[this.seen.length - 1];
    if (last) this.since = last.cursor;
  }
}

/** POST /threads answers the thread, not its first update: a creation is known by its thread. */
const keyOf = (c: { type: string; threadId: string; updateId?: string }) =>
  `${c.type}|${c.threadId}|${c.type === 'thread_created' ? '*' : (c.updateId ?? '')}`;
const sorted = (keys: string[]) => [...keys].sort();

let run = 0;

describe('the changes feed, polled with the last cursor', () => {
  it('hands every recorded change to a poller exactly once, in increasing cursor order, for any interleaving of writes and polls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 14 }), async (ops) => {
        // Prepare: two threads in scenario a of this run, and pollers of every scenario and of scenario a.
        run++;
        const scenarios = [`poll-${run}-a`, `poll-${run}-b`];
        tick(1);
        const start = new Date(Date.now() - 1).toISOString();
        const everything = new Poller('/changes', start);
        const ofA = new Poller(`/scenarios/${scenarios[0]}/changes`, start);
        const expected: Expected[] = [];
        const threads: { thread: any; updates: string[] }[] = [];
        for (const n of [0, 1]) {
          const id = `poll-${run}-t${n}`;
          const r = await s.call('POST', '/threads', {
            body: {
              id,
              scenario: scenarios[0],
              kind: 'summit',
              title: id,
              status: 'announced',
              summary: 'Announced.',
              occurredAt: '2025-06-01T00:00:00Z',
            },
          });
          expect(r.status).toBe(201);
          threads.push({ thread: r.body, updates: [] });
          expected.push({ key: `thread_created|${id}|*`, scenarios: [scenarios[0]!] });
        }
        let occurred = Date.parse('2025-07-01T00:00:00Z');

        // Act
        for (const op of ops) {
          if (op.kind === 'poll') {
            tick(op.wait === 'none' ? 0 : op.wait === 'some' ? Math.floor(settle / 2) : settle + 1);
            await everything.poll();
            await ofA.poll();
            continue;
          }
          tick(op.ms);
          const t = threads[op.thread]!;
          const before = t.thread;
          const statusChange = (after: any) =>
            after.status !== before.status
              ? [{ key: `status_changed|${before.id}|`, scenarios: [after.scenario] }]
              : [];
          if (op.kind === 'post') {
            occurred += 86_400_000;
            const occurredAt = new Date(
              op.late ? Date.parse(before.lastOccurredAt) - 3_600_000 : occurred,
            ).toISOString();
            const r = await s.call('POST', `/threads/${before.id}/updates`, {
              body: { status: op.status, summary: `Update ${occurredAt}.`, occurredAt },
            });
            expect(r.status).toBe(201);
            const type = occurredAt < before.lastOccurredAt ? 'late_update' : 'update';
            expected.push({ key: `${type}|${before.id}|${r.body.update.id}`, scenarios: [before.scenario] });
            expected.push(...statusChange(r.body.thread));
            t.thread = r.body.thread;
            t.updates.push(r.body.update.id);
          } else if (op.kind === 'amend' || op.kind === 'retract') {
            if (t.updates.length === 0) continue;
            const updateId = t.updates[op.pick % t.updates.length]!;
            const r =
              op.kind === 'amend'
                ? await s.call('PATCH', `/threads/${before.id}/updates/${updateId}`, {
                    body: { summary: `Reworded at ${Date.now()} #${expected.length}.` },
                  })
                : await s.call('POST', `/threads/${before.id}/updates/${updateId}/retraction`, {
                    body: { reason: 'Wrong.' },
                  });
            // A retracted update can be neither amended nor retracted again: nothing recorded then.
            if (r.status !== 200) {
              expect([409, 422]).toContain(r.status);
              continue;
            }
            const type = op.kind === 'amend' ? 'amended' : 'retracted';
            expected.push({ key: `${type}|${before.id}|${updateId}`, scenarios: [before.scenario] });
            if (op.kind === 'retract') {
              expected.push(...statusChange(r.body.thread));
              t.updates = t.updates.filter((u) => u !== updateId);
            }
            t.thread = r.body.thread;
          } else {
            const to = before.scenario === scenarios[0] ? scenarios[1]! : scenarios[0]!;
            const r = await s.call('PATCH', `/threads/${before.id}`, { body: { scenario: to } });
            expect(r.status).toBe(200);
            expected.push({ key: `moved|${before.id}|`, scenarios: [to, before.scenario] });
            t.thread = r.body;
          }
        }
        // Everything recorded has settled: the last polls read the rest.
        tick(settle + 1);
        await everything.poll();
        await ofA.poll();

        // Assess: each poller saw each change of its feed once, cursors increasing throughout.
        const seenKeys = (p: Poller) => p.seen.map(keyOf);
        expect(sorted(seenKeys(everything))).toEqual(sorted(expected.map((e) => e.key)));
        expect(sorted(seenKeys(ofA))).toEqual(
          sorted(expected.filter((e) => e.scenarios.includes(scenarios[0]!)).map((e) => e.key)),
        );
        for (const p of [everything, ofA]) {
          const cursors = p.seen.map((c) => c.cursor);
          expect(cursors).toEqual([...cursors].sort());
          expect(new Set(cursors).size).toBe(cursors.length);
        }
      }),
      { numRuns: 12 },
    );
  });
});
