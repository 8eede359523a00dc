import { createKey } from '../../local/news-replay';
import fixture from '../../local/seeds/istanbul-followups-2025.json';
import { runStaleCheck } from '../../shared/app/stale-check';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Issue 13, the real-news fixture: the seeded scenario's real follow-ups from June to December 2025
 * (local/seeds/istanbul-followups-2025.json), posted over HTTP in a shuffled but fixed order, then
 * the board the fixture states as of chosen dates, today's state, and the overdue check at chosen times.
 *
 * The overdue check takes an explicit `now`, and a past one flags: it compares `now` with each
 * awaiting thread's `overdueSince` only (stale-check.ts), so the fixture's 2025 check times work
 * whatever the wall clock. The checks read today's threads, which is why they run after the replay.
 */

type Step =
  | { type: 'update'; key: string; thread: string; body: Record<string, unknown> }
  | { type: 'expect'; key: string; thread: string; expected: { what: string; at: string } }
  | { type: 'retract'; key: string; retracts: string; reason: string };

/** mulberry32: a small seeded generator, so the shuffle is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Fisher–Yates with the fixture's seed, then each chain's members put back in their stated order
 * on the positions the shuffle gave them: everything else stays shuffled.
 */
function shuffledSteps(steps: Step[], seed: number, chains: string[][]): Step[] {
  const random = seeded(seed);
  const out = [...steps];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  for (const chain of chains) {
    const positions = chain.map((key) => out.findIndex((s) => s.key === key)).sort((a, b) => a - b);
    const members = chain.map((key) => steps.find((s) => s.key === key)!);
    positions.forEach((p, i) => {
      out[p] = members[i]!;
    });
  }
  return out;
}

const declaredSteps: Step[] = [
  ...fixture.developments.map(({ key, thread, ...body }): Step => ({ type: 'update', key, thread, body })),
  ...fixture.expectations.map(({ key, thread, expected }): Step => ({
    type: 'expect',
    key,
    thread,
    expected,
  })),
  ...fixture.corrections.map(({ key, retracts, reason }): Step => ({
    type: 'retract',
    key,
    retracts,
    reason,
  })),
];
const replayOrder = shuffledSteps(declaredSteps, fixture.order.seed, fixture.order.chains);
const threadIds = [
  ...new Set([...fixture.developments.map((d) => d.thread), ...fixture.threads.map((t) => t.id)]),
].sort();

let s: TestServer;
/** Each step's key with the HTTP status it got, in replay order. */
const answers: { key: string; status: number }[] = [];
/** The thread and id the server gave each development (and each new thread's first update). */
const updateIds = new Map<string, { thread: string; update: string }>();

beforeAll(async () => {
  s = await startTestServer({ notifications: false });
  // The new threads come first: their first development is their POST /threads body.
  for (const { id, ...body } of fixture.threads) {
    const r = await s.call('POST', '/threads', { body: { id, scenario: fixture.scenario, ...body } });
    answers.push({ key: createKey(id), status: r.status });
    // A correction may retract a new thread's first update (`create:<id>`): its only update yet.
    const first = await s.call('GET', `/threads/${id}/updates`, { role: 'reader' });
    updateIds.set(createKey(id), { thread: id, update: first.body.items[0].id });
  }
  for (const step of replayOrder) {
    if (step.type === 'update') {
      const r = await s.call('POST', `/threads/${step.thread}/updates`, { body: step.body });
      if (r.status === 201) updateIds.set(step.key, { thread: step.thread, update: r.body.update.id });
      answers.push({ key: step.key, status: r.status });
    } else if (step.type === 'expect') {
      const r = await s.call('PATCH', `/threads/${step.thread}`, { body: { expected: step.expected } });
      answers.push({ key: step.key, status: r.status });
    } else {
      const target = updateIds.get(step.retracts)!;
      const r = await s.call('POST', `/threads/${target.thread}/updates/${target.update}/retraction`, {
        body: { reason: step.reason },
      });
      answers.push({ key: step.key, status: r.status });
    }
  }
});
afterAll(async () => s.close());

const view = (id: string, query = '') => s.call('GET', `/threads/${id}${query}`, { role: 'reader' });
const overdueIds = async () => {
  const r = await s.call('GET', `/threads?scenario=${fixture.scenario}&overdue=true`, { role: 'reader' });
  expect(r.status).toBe(200);
  return (r.body.items as { id: string }[]).map((t) => t.id).sort();
};

describe('the real-news fixture itself', () => {
  it('holds at least 20 dated developments from June to December 2025, each with a publisher, a title and an index url', () => {
    // Prepare
    const all = [...fixture.developments, ...fixture.threads];
    // Assess
    expect(fixture.developments.length).toBeGreaterThanOrEqual(20);
    for (const d of all) {
      expect(d.occurredAt >= '2025-06' && d.occurredAt < '2026').toBe(true);
      expect(d.sources.length).toBeGreaterThan(0);
      for (const source of d.sources)
        expect(source).toEqual({
          url: expect.stringMatching(/^https:\/\//),
          publisher: expect.any(String),
          title: expect.any(String),
        });
    }
    expect(all.some((d) => /^\d{4}-\d{2}$/.test(d.occurredAt))).toBe(true);
    expect(all.some((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.occurredAt))).toBe(true);
    expect(fixture.developments.some((d) => d.status === null)).toBe(true);
  });

  it('is replayed in an order that differs from the declared one but is the same on every run', () => {
    // Act
    const again = shuffledSteps(declaredSteps, fixture.order.seed, fixture.order.chains);
    // Assess
    expect(again.map((step) => step.key)).toEqual(replayOrder.map((step) => step.key));
    expect(replayOrder.map((step) => step.key)).not.toEqual(declaredSteps.map((step) => step.key));
    for (const chain of fixture.order.chains) {
      const positions = chain.map((key) => replayOrder.findIndex((step) => step.key === key));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });
});

describe('replaying the follow-ups of the Istanbul talks over HTTP', () => {
  it('accepts every new thread, development, expectation and correction', () => {
    // Assess
    for (const { key, status } of answers)
      expect({ key, status }).toEqual({
        key,
        status: key.startsWith('create:') || fixture.developments.some((d) => d.key === key) ? 201 : 200,
      });
    expect(answers).toHaveLength(fixture.threads.length + declaredSteps.length);
  });

  it.each(fixture.board.map((b) => [b.asOf, b.threads] as const))(
    'shows the board the fixture states as of %s (the end of that day)',
    async (asOf, expected) => {
      for (const [id, want] of Object.entries(expected)) {
        // Act
        const r = await view(id, `?asOf=${asOf}`);
        // Assess
        if (want === null) {
          expect({ id, status: r.status, code: r.body.code }).toEqual({
            id,
            status: 404,
            code: 'no_status_at_time',
          });
        } else {
          expect({ id, status: r.status }).toEqual({ id, status: 200 });
          expect({ id, ...r.body }).toMatchObject({ id, ...want });
        }
      }
    },
  );

  it('shows today the same statuses as the last board date, with the expectations as last set', async () => {
    // Prepare
    const last = fixture.board[fixture.board.length - 1]!;
    for (const id of threadIds) {
      // Act
      const r = await view(id);
      // Assess
      expect(r.status).toBe(200);
      expect({ id, ...r.body }).toMatchObject({
        id,
        ...(last.threads as Record<string, object>)[id],
        scenario: fixture.scenario,
        overdue: false,
      });
    }
    expect((await view('ceasefire')).body.expected).toEqual({
      what: "Russia agrees to a deal (Trump's shortened deadline)",
      at: '2025-08-08T00:00:00.000Z',
      precision: 'day',
    });
    expect((await view('trump-putin-meeting')).body.expected).toEqual({
      what: 'Trump–Putin summit in Alaska',
      at: '2025-08-15T00:00:00.000Z',
      precision: 'day',
    });
    expect((await view('eu-19th-sanctions')).body).toMatchObject({
      parent: 'sanctions',
      expected: { at: '2025-10-01T00:00:00.000Z', precision: 'month' },
    });
    expect((await view('budapest-summit')).body.parent).toBe('trump-putin-meeting');
  });

  it("keeps both parties' October claims on the Budapest meeting beside the desk's own status, disputed", async () => {
    // Act
    const r = await view('budapest-summit');
    // Assess: the US says cancelled, the Kremlin postponed; the desk's status stays postponed (21 October).
    expect(r.body).toMatchObject({
      status: 'postponed',
      statusSince: '2025-10-21T00:00:00.000Z',
      disputed: true,
    });
    expect(
      (r.body.claims as { party: string; status: string; since: string }[]).map(
        ({ party, status, since }) => ({
          party,
          status,
          since,
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        { party: 'us', status: 'cancelled', since: '2025-10-22T00:00:00.000Z' },
        { party: 'russia', status: 'postponed', since: '2025-10-23T00:00:00.000Z' },
      ]),
    );
    expect(r.body.claims).toHaveLength(2);
  });

  it("refines the peace plan's month to its day: the month's report retracted, the day's standing", async () => {
    // Act
    const plan = await view('peace-plan');
    const first = await view(`peace-plan/updates/${updateIds.get(createKey('peace-plan'))!.update}`);
    // Assess
    expect(first.body).toMatchObject({ occurredPrecision: 'month', retracted: true });
    expect(plan.body).toMatchObject({
      parent: 'ceasefire',
      status: 'negotiating',
      expected: { at: '2025-11-27T00:00:00.000Z', precision: 'day' },
    });
    const proposed = await view('peace-plan', '?asOf=2025-11-20');
    expect(proposed.body).toMatchObject({
      status: 'proposed',
      statusSince: '2025-11-18T00:00:00.000Z',
      statusSincePrecision: 'day',
    });
  });

  it('keeps the retracted mistaken report in the history, marked, and out of the status', async () => {
    // Act
    const thread = await view('prisoner-exchange');
    const mistaken = await view(
      `prisoner-exchange/updates/${updateIds.get('px-stage-aug-24-mistaken')!.update}`,
    );
    // Assess
    expect(thread.body).toMatchObject({
      status: 'in_progress',
      lastOccurredAt: '2025-11-01T00:00:00.000Z',
      lastOccurredPrecision: 'month',
    });
    // The seed's update and the fixture's prisoner-exchange developments, less the retracted one.
    const live = fixture.developments.filter(
      (d) => d.thread === 'prisoner-exchange' && !fixture.corrections.some((c) => c.retracts === d.key),
    );
    expect(thread.body.updateCount).toBe(1 + live.length);
    expect(mistaken.body).toMatchObject({
      status: 'completed',
      retracted: true,
      retraction: { reason: fixture.corrections[0]!.reason },
    });
  });
});

describe('the overdue check over the replayed follow-ups', () => {
  it('flags, at each stated check time, only the threads whose expected thing never came', async () => {
    for (const check of fixture.overdue.checks) {
      // Act
      const result = await runStaleCheck(s.ctx, check.now);
      // Assess
      expect({ now: check.now, flagged: [...result.overdue].sort() }).toEqual({
        now: check.now,
        flagged: check.flagged,
      });
      expect({ now: check.now, overdue: await overdueIds() }).toEqual({
        now: check.now,
        overdue: check.overdue,
      });
    }
    for (const [id, since] of Object.entries(fixture.overdue.overdueSince)) {
      expect((await view(id)).body).toMatchObject({ overdue: true, overdueSince: since });
    }
  });
});
