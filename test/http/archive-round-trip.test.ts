import fc from 'fast-check';
import { SEED_SCENARIO } from '../../local/seed';
import { startTestServer, type TestServer } from '../support/server';
import { emptyTracker, firstTracker, recounted, type Tracker } from '../support/trackers';

/**
 * Contract 1.2 / issue 28, done when: archive → import into an empty tracker → archive gives the same
 * document, and every view, `asOf` and `knownAt` included, answers the same. Random histories over
 * HTTP (updates in and out of occurred order, amendments and key flags, retractions, claims,
 * criteria, keywords, expected dates, archiving, moves away and back, a child thread), and the seeded scenario. Each
 * tracker is a table of its own in the same DynamoDB Local, served by the same local server in turn.
 */
let s: TestServer;
let seeded: Tracker;
const admin = { role: 'admin' as const };
const NDJSON = { 'Content-Type': 'application/x-ndjson' };

beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: true });
  seeded = firstTracker(s);
});

afterAll(async () => {
  seeded.use();
  await s.close();
});

const archiveOf = async (scenario: string) => {
  const answer = await s.call('GET', `/scenarios/${scenario}/archive`, admin);
  expect(answer.status).toBe(200);
  return answer.text;
};

/** A reader's answer: status, ETag and body (or text, for a calendar). */
const read = async (path: string) => {
  const r = await s.call('GET', path, admin);
  return { path, status: r.status, etag: r.headers.get('etag'), body: r.body ?? r.text };
};

/** The scenario's views, and each thread's at every cut-off: what must answer the same after an import. */
async function viewsOf(scenario: string, threads: readonly string[], cuts: readonly string[]) {
  const paths = [
    `/scenarios/${scenario}`,
    `/threads?scenario=${scenario}&archived=any&limit=100`,
    `/scenarios/${scenario}/calendar.ics`,
    `/scenarios/${scenario}/timeline`,
    ...threads.flatMap((t) => [
      `/threads/${t}`,
      `/threads/${t}/updates?limit=100`,
      `/threads/${t}/criteria`,
      ...cuts.map((q) => `/threads/${t}?${q}`),
    ]),
  ];
  // Reads only, independent of each other: asked together (the answers keep the paths' order).
  return Promise.all(paths.map(read));
}

/** Archive the scenario in `from`, import it into a new empty tracker, and compare. */
async function roundTrip(
  from: Tracker,
  scenario: string,
  threads: readonly string[],
  cuts: readonly string[],
) {
  from.use();
  await recounted(from.ctx);
  const archive = await archiveOf(scenario);
  const views = await viewsOf(scenario, threads, cuts);
  // An empty tracker, installed: the server answers from it from here on.
  await emptyTracker(s);
  const imported = await s.call('POST', '/scenarios/import', { ...admin, body: archive, headers: NDJSON });
  expect(imported.status).toBe(201);
  expect(await archiveOf(scenario)).toBe(archive);
  expect(await viewsOf(scenario, threads, cuts)).toEqual(views);
}

it('the seeded scenario round-trips: the same archive, the same views', async () => {
  // Prepare
  seeded.use();
  const threads = (await s.call('GET', `/threads?scenario=${SEED_SCENARIO}&limit=100`, admin)).body.items.map(
    (t: { id: string }) => t.id,
  );
  // Act, Assess
  await roundTrip(seeded, SEED_SCENARIO, threads, ['asOf=2025-05-15T00:00:00Z', 'asOf=2025-05-17T00:00:00Z']);
});

// ---- Random histories ----

const STATUSES = ['proposed', 'announced', 'scheduled', 'postponed', 'held', 'cancelled'] as const;
const THREADS = ['t-one', 't-two'] as const;
const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString();

type Op =
  | { op: 'post'; thread: number; status: string | null; day: number; party: string | null; source: boolean }
  | { op: 'retract'; thread: number; pick: number }
  | { op: 'amend'; thread: number; pick: number; summary: boolean; key: boolean }
  | { op: 'criteria'; thread: number; text: string | null }
  | { op: 'keywords'; thread: number; words: string[] }
  | { op: 'expected'; thread: number; month: number | null }
  | { op: 'archive'; thread: number; archived: boolean }
  | { op: 'move'; thread: number };

const thread = fc.integer({ min: 0, max: THREADS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('post' as const),
      thread,
      status: fc.option(fc.constantFrom(...STATUSES), { nil: null, freq: 3 }),
      day: fc.integer({ min: 1, max: 90 }),
      party: fc.constantFrom(null, null, 'kremlin', 'kyiv'),
      source: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('retract' as const), thread, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('amend' as const),
      thread,
      pick: fc.nat(),
      summary: fc.boolean(),
      key: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('criteria' as const),
      thread,
      text: fc.option(fc.constantFrom('Both leaders present.', 'A joint statement.'), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('keywords' as const),
      thread,
      words: fc.subarray(['talks', 'venue', 'summit']),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('expected' as const),
      thread,
      month: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('archive' as const), thread, archived: fc.boolean() }),
  },
  // Away to another scenario and back (the feed then holds the move's echo); refused for a parent or child.
  { weight: 1, arbitrary: fc.record({ op: fc.constant('move' as const), thread }) },
);

let run = 0;

it('random histories round-trip: archive → import into an empty tracker → the same archive, and the same views at every asOf and knownAt', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 14 }), fc.boolean(), async (ops, child) => {
      // Prepare: a tracker of its own, two threads (the second a child of the first, or not).
      const from = await emptyTracker(s);
      const scenario = `history-${++run}`;
      const updates: string[][] = THREADS.map(() => []);
      const recorded: string[] = [];
      const occurred = new Set<string>();
      for (const [i, id] of THREADS.entries()) {
        const created = await s.call('POST', '/threads', {
          body: {
            id,
            scenario,
            kind: 'summit',
            title: `Thread ${id}`,
            status: 'proposed',
            summary: 'Proposed.',
            occurredAt: day(0),
            ...(i === 1 && child ? { parent: THREADS[0] } : {}),
          },
        });
        expect(created.status).toBe(201);
        const first = (await s.call('GET', `/threads/${id}/updates`, admin)).body.items[0];
        updates[i]!.push(first.id);
        recorded.push(first.recordedAt);
      }
      for (const op of ops) {
        const id = THREADS[op.thread]!;
        const list = updates[op.thread]!;
        const target = list[('pick' in op ? op.pick : 0) % list.length]!;
        let answer;
        switch (op.op) {
          case 'post':
            occurred.add(day(op.day));
            answer = await s.call('POST', `/threads/${id}/updates`, {
              body: {
                status: op.party ? (op.status ?? 'announced') : op.status,
                summary: `Update on day ${op.day}.`,
                occurredAt: day(op.day),
                ...(op.party ? { claimedBy: op.party } : {}),
                ...(op.source ? { sources: [{ url: `https://outlet${op.day % 3}.example/${op.day}` }] } : {}),
              },
            });
            if (answer.status === 201) list.push(answer.body.update.id);
            break;
          case 'retract':
            answer = await s.call('POST', `/threads/${id}/updates/${target}/retraction`, {
              body: { reason: 'Wrong.' },
            });
            break;
          case 'amend':
            answer = await s.call('PATCH', `/threads/${id}/updates/${target}`, {
              body: { ...(op.summary ? { summary: `Reworded ${target.slice(-4)}.` } : {}), key: op.key },
            });
            break;
          case 'criteria':
            answer = await s.call('PATCH', `/threads/${id}`, { body: { criteria: op.text } });
            break;
          case 'keywords':
            answer = await s.call('PATCH', `/threads/${id}`, { body: { keywords: op.words } });
            break;
          case 'expected':
            answer = await s.call('PATCH', `/threads/${id}`, {
              body: {
                expected:
                  op.month === null
                    ? null
                    : { what: 'The meeting', at: `2025-${String(op.month).padStart(2, '0')}` },
              },
            });
            break;
          case 'archive':
            answer = await s.call('PATCH', `/threads/${id}`, { body: { archived: op.archived } });
            break;
          case 'move':
            answer = await s.call('PATCH', `/threads/${id}`, { body: { scenario: `${scenario}-away` } });
            if (answer.status === 200)
              answer = await s.call('PATCH', `/threads/${id}`, { body: { scenario } });
            break;
        }
        // Refusals (retracting the last status, amending a retracted update) are part of a history too.
        expect(answer.status).toBeLessThan(500);
        const at =
          answer.body?.update?.recordedAt ?? answer.body?.update?.revisedAt ?? answer.body?.updatedAt;
        if (typeof at === 'string') recorded.push(at);
      }
      // Cut-offs: occurred days and the moments between writes, alone and together.
      const asOf = [...occurred].sort().slice(0, 3);
      const knownAt = [...new Set(recorded)]
        .sort()
        .filter((_, i, all) => i % Math.ceil(all.length / 3) === 0);
      const cuts = [
        ...asOf.map((t) => `asOf=${t}`),
        ...knownAt.map((t) => `knownAt=${t}`),
        ...asOf.slice(0, 1).flatMap((a) => knownAt.slice(-1).map((k) => `asOf=${a}&knownAt=${k}`)),
      ];
      // Act, Assess
      await roundTrip(from, scenario, THREADS, cuts);
    }),
    // Each run makes two tables and some thirty requests: a handful of histories in seconds.
    { numRuns: 8 },
  );
});
