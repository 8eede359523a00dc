import fc from 'fast-check';
import {
  EMPTY_FOLD,
  MAX_RETRACTION_MARKS,
  cursorOf,
  foldAll,
  project,
  resumeFold,
  stateOf,
  step,
  type Fold,
  type UpdateFacts,
} from '../../shared/domain/projection';
import {
  addUpdate,
  amendUpdate,
  retractUpdate,
  viewAsOf,
  type HistoryWindows,
} from '../../shared/domain/resume';
import { outletsOf } from '../../shared/domain/outlets';
import { PRECISIONS, type Precision } from '../../shared/domain/time';
import { cursorFromItem, storedCursor } from '../../shared/store/thread-store';

/**
 * The incremental projection (resume.ts, what the write path and `asOf` run) against the full
 * recomputation (`project`), over an in-memory history that orders its windows the way the table
 * does: the local index by `<occurredAt>#<id>`, the partition by id, ids beginning with the recorded
 * time as ULIDs do.
 */

const T0 = Date.UTC(2025, 4, 16);
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

/** An in-memory history with the store's orders, paged small, counting the updates it hands out. */
function memoryWindows(history: UpdateFacts[], pageSize = 3) {
  const reads = { items: 0, full: 0 };
  const lsi = (u: UpdateFacts) => `${u.occurredAt}#${u.id}`;
  async function* paged(list: UpdateFacts[]) {
    for (let i = 0; i < list.length; i += pageSize) {
      const page = list.slice(i, i + pageSize);
      reads.items += page.length;
      yield page;
    }
  }
  const windows: HistoryWindows = {
    from: async (o, inclusive) => {
      const out = history.filter((u) => (inclusive ? u.occurredAt >= o : u.occurredAt > o));
      reads.items += out.length;
      return out.map((u) => ({ ...u }));
    },
    before: (o, inclusive) =>
      paged(
        history
          .filter((u) => (inclusive ? u.occurredAt <= o : u.occurredAt < o))
          .sort((a, b) => (lsi(a) < lsi(b) ? 1 : -1)),
      ),
    byRecordedDesc: (_expected) => paged([...history].sort((a, b) => (a.id < b.id ? 1 : -1))),
    all: async () => {
      reads.full++;
      reads.items += history.length;
      return history.map((u) => ({ ...u }));
    },
  };
  return { windows, reads };
}

/**
 * What a thread item stores: the state and the cursor, in the form the item holds it (thread-store.ts
 * `storedCursor`, read back by `cursorFromItem`); the next write resumes from them.
 */
const stored = (fold: Fold): Fold =>
  resumeFold(stateOf(fold)!, cursorFromItem({ fold: storedCursor(cursorOf(fold)) }))!;

type Op =
  | {
      kind: 'post';
      status: string | null;
      when: 'now' | 'tie' | 'past';
      back: number;
      tick: number;
      skew: number;
      nonce: number;
      precision: Precision;
      /** A party's claim (when it carries a status), its sources, and whether it came from the inbox. */
      party: string | null;
      sources: string[];
      inbox: boolean;
    }
  | { kind: 'retract'; pick: number; tick: number }
  | { kind: 'amend'; pick: number; sources: string[]; tick: number };

const STATUSES = ['proposed', 'agreed', 'stalled', null] as const;
/** Sources whose outlets overlap: two BBC hosts are one outlet (contract 1.2 "Corroboration"). */
const SOURCE_POOL = [
  'https://news.bbc.co.uk/a',
  'https://www.bbc.co.uk/b',
  'https://www.reuters.com/c',
  'https://kyivindependent.com/d',
  'https://apnews.com/e',
];
const sourcesArb = fc.subarray(SOURCE_POOL);
const withSources = (urls: string[]) => urls.map((url) => ({ url }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('post' as const),
      status: fc.constantFrom(...STATUSES),
      when: fc.constantFrom('now' as const, 'tie' as const, 'past' as const),
      back: fc.nat(40),
      tick: fc.nat(2),
      skew: fc.oneof(fc.constant(0), fc.nat(5)),
      nonce: fc.nat(99),
      precision: fc.constantFrom(...PRECISIONS),
      party: fc.constantFrom(null, null, 'us', 'russia'),
      sources: sourcesArb,
      inbox: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('retract' as const), pick: fc.nat(), tick: fc.nat(2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('amend' as const),
      pick: fc.nat(),
      sources: sourcesArb,
      tick: fc.nat(2),
    }),
  },
);

/** Starts of the periods around T0 (2025-05-16, a day start): where day, month and year reports sort. */
const PERIOD_START: Partial<Record<Precision, string>> = {
  day: iso(0),
  month: '2025-05-01T00:00:00.000Z',
  year: '2025-01-01T00:00:00.000Z',
};

/** An update as the write path records it: its sources, and the outlets it stores with them. */
type Recorded = UpdateFacts & { sources: { url: string }[]; inboxItem?: string | null };
const recorded = (u: Omit<Recorded, 'outlets'>): Recorded => ({ ...u, outlets: outletsOf(u) });

interface Run {
  history: Recorded[];
  fold: Fold;
  paths: string[];
}

/** Apply the operations as the write path does, checking each step against the full recomputation. */
async function replay(first: string, ops: Op[]): Promise<Run> {
  let clock = 0;
  const history: Recorded[] = [
    recorded({
      id: `${iso(0)}-00`,
      status: first,
      summary: 'first',
      occurredAt: iso(0),
      recordedAt: iso(0),
      retraction: null,
      sources: withSources(['https://www.reuters.com/first']),
    }),
  ];
  let fold = stored(foldAll(history));
  const paths: string[] = [];
  for (const [i, op] of ops.entries()) {
    clock += op.tick;
    const { windows, reads } = memoryWindows(history);
    if (op.kind === 'post') {
      // Another writer's clock may lag: its recordedAt can be earlier than the thread's lastRecordedAt.
      const recordedAt = iso(Math.max(0, clock - op.skew));
      const existing = history[op.back % history.length]!;
      const instant =
        op.when === 'now'
          ? recordedAt
          : op.when === 'tie'
            ? existing.occurredAt
            : iso(Math.max(0, clock - op.back));
      // A date-only report is stored as the start of its period: many share it, and most sort as late.
      const occurredAt = PERIOD_START[op.precision] ?? instant;
      const u = recorded({
        id: `${recordedAt}-${String(op.nonce).padStart(2, '0')}${i}`,
        status: op.status,
        summary: `s${i}`,
        occurredAt,
        occurredPrecision: op.precision,
        recordedAt,
        retraction: null,
        // A claim always carries a status (the schema's rule): a party on a note is no claim.
        claimedBy: op.status !== null ? op.party : null,
        sources: withSources(op.sources),
        inboxItem: op.inbox ? `inbox-${i}` : null,
      });
      const result = await addUpdate(fold, u, windows);
      history.push(u);
      fold = result.fold;
      paths.push(result.path);
      if (result.path === 'append') expect(reads.items).toBe(0);
    } else if (op.kind === 'amend') {
      // New wording: the sources change (status and occurred time never do).
      const live = history.filter((u) => u.retraction === null);
      const target = live[op.pick % live.length]!;
      const amended = recorded({ ...target, sources: withSources(op.sources) });
      fold = await amendUpdate(fold, amended, windows);
      history.splice(0, history.length, ...history.map((u) => (u.id === target.id ? amended : u)));
      paths.push('amend');
    } else {
      const live = history.filter((u) => u.retraction === null);
      const target = live[op.pick % live.length]!;
      const retracted = { ...target, retraction: { retractedAt: iso(clock) } };
      const next = await retractUpdate(fold, retracted, windows);
      const after = history.map((u) => (u.id === target.id ? retracted : u));
      if (stateOf(next) === null) {
        // The 409 cannot_retract_last_status: the full recomputation agrees there would be no status.
        expect(project(after)).toBeNull();
        continue;
      }
      history.splice(0, history.length, ...after);
      fold = next;
      paths.push('retract');
    }
    expect(reads.full).toBe(0);
    expect(stateOf(fold)).toEqual(project(history));
    // A party's `first` may be early (a walk back then finds nothing), never late (a view would miss a claim).
    for (const c of fold.claims) {
      const claims = history.filter((u) => u.retraction === null && u.claimedBy === c.party && u.status);
      expect(c.first <= claims.map((u) => u.occurredAt).sort()[0]!).toBe(true);
    }
    fold = stored(fold);
  }
  return { history, fold, paths };
}

describe('resumed projection: properties', () => {
  it('equals the full recomputation after every write, for any mix of in-order and late reports, notes, party claims, sources, ties, clock skew, amendments and retractions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('proposed', 'agreed'),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        async (first, ops) => {
          await replay(first, ops);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers asOf views exactly as the full recomputation, from the fold and the windows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('proposed', 'agreed'),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: -2, max: 90 }), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (first, ops, times, pick) => {
          const { history, fold } = await replay(first, ops);
          const asOfs = [...times.map(iso), history[pick % history.length]!.occurredAt];
          for (const asOf of asOfs) {
            const { windows } = memoryWindows(history);
            expect(await viewAsOf(fold, asOf, windows)).toEqual(project(history, { asOf }));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('resumed projection: cases', () => {
  const u = (id: string, occurred: number, recorded: number, status: string | null): UpdateFacts => ({
    id: `${iso(recorded)}-${id}`,
    status,
    summary: id,
    occurredAt: iso(occurred),
    recordedAt: iso(recorded),
    retraction: null,
    outlets: [],
  });

  it('appends an update recorded before the thread’s lastRecordedAt (clock skew) without reading anything', async () => {
    // Prepare
    const history = [u('a', 0, 10, 'proposed')];
    const { windows, reads } = memoryWindows(history);
    // Act
    const { fold, path } = await addUpdate(stored(foldAll(history)), u('b', 5, 8, 'agreed'), windows);
    // Assess
    expect(path).toBe('append');
    expect(reads.items).toBe(0);
    expect(stateOf(fold)).toMatchObject({
      status: 'agreed',
      statusSince: iso(5),
      lastRecordedAt: iso(10),
      updateCount: 2,
    });
  });

  it('takes a skewed update at the latest occurred time, but recorded earlier, as a late report that sorts before it', async () => {
    // Prepare
    const history = [u('a', 0, 0, 'proposed'), u('b', 5, 10, 'agreed')];
    const late = u('c', 5, 8, 'stalled');
    const { windows } = memoryWindows(history);
    // Act
    const { fold, path } = await addUpdate(stored(foldAll(history)), late, windows);
    // Assess
    expect(path).toBe('late');
    expect(stateOf(fold)).toEqual(project([...history, late]));
    expect(stateOf(fold)?.status).toBe('agreed');
  });

  it('reads only the updates after a late report when the current status run began before it', async () => {
    // Prepare: 30 updates, the status run began at the 10th
    const history = Array.from({ length: 30 }, (_, i) =>
      u(`n${i}`, i * 10, i * 10, i < 10 ? 'proposed' : 'agreed'),
    );
    const { windows, reads } = memoryWindows(history);
    // Act: a late note between the 25th and 26th updates
    const { fold } = await addUpdate(stored(foldAll(history)), u('late', 255, 400, null), windows);
    // Assess
    expect(stateOf(fold)).toEqual(project([...history, u('late', 255, 400, null)]));
    expect(reads.items).toBe(4);
  });

  it('reads nothing before a late report when the updates after it settle where the status run begins', async () => {
    // Prepare: proposed ×10, then agreed ×20
    const history = Array.from({ length: 30 }, (_, i) =>
      u(`n${i}`, i * 10, i * 10, i < 10 ? 'proposed' : 'agreed'),
    );
    const { windows, reads } = memoryWindows(history);
    // Act: a late note between the 6th and 7th updates, before the run
    const { fold } = await addUpdate(stored(foldAll(history)), u('late', 55, 400, null), windows);
    // Assess: the 24 updates after it, nothing before
    expect(stateOf(fold)).toEqual(project([...history, u('late', 55, 400, null)]));
    expect(reads.items).toBe(24);
  });

  it('walks back to where the status run begins when a retraction joins two runs', async () => {
    // Prepare: agreed ×5, stalled, agreed ×3
    const history = [
      ...Array.from({ length: 5 }, (_, i) => u(`a${i}`, i, i, 'agreed')),
      u('s', 10, 10, 'stalled'),
      ...Array.from({ length: 3 }, (_, i) => u(`b${i}`, 20 + i, 20 + i, 'agreed')),
    ];
    const { windows } = memoryWindows(history);
    const target = history[5]!;
    // Act
    const fold = await retractUpdate(
      stored(foldAll(history)),
      { ...target, retraction: { retractedAt: iso(50) } },
      windows,
    );
    // Assess
    expect(stateOf(fold)).toMatchObject({
      status: 'agreed',
      statusSince: iso(0),
      updateCount: 8,
      lastRecordedAt: iso(50),
    });
  });

  it('falls back to the whole history for an asOf view that needs retraction marks it could no longer keep', async () => {
    // Prepare: more retractions than marks, each of an update occurred before the next
    let fold: Fold = EMPTY_FOLD;
    const history: UpdateFacts[] = [];
    for (let i = 0; i <= MAX_RETRACTION_MARKS + 1; i++)
      history.push(u(`r${i}`, i * 10, i * 10, 'agreed'), {
        ...u(`x${i}`, i * 10 + 5, i * 10 + 1, 'stalled'),
        retraction: { retractedAt: iso(1000 + i) },
      });
    for (const x of [...history].sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : 1))) fold = step(fold, x);
    const { windows, reads } = memoryWindows(history);
    // Act
    const view = await viewAsOf(fold, iso(55), windows);
    // Assess
    expect(fold.retractionsOverflow).toBe(true);
    expect(reads.full).toBe(1);
    expect(view).toEqual(project(history, { asOf: iso(55) }));
  });
});

describe('the stored cursor', () => {
  it('reads back every cursor a fold gives, in the compact form and in the object form older items hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('proposed', 'agreed'),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        async (first, ops) => {
          // Prepare
          const cursor = cursorOf((await replay(first, ops)).fold);
          // Act
          const compact = cursorFromItem({ fold: storedCursor(cursor) });
          const older = cursorFromItem({ fold: cursor });
          // Assess
          expect(compact).toEqual(cursor);
          expect(older).toEqual(cursor);
        },
      ),
      { numRuns: 200 },
    );
  });
});
