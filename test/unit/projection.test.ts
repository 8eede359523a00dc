import fc from 'fast-check';
import { project, type UpdateFacts } from '../../shared/domain/projection';
import { outletsOf } from '../../shared/domain/outlets';
import { PRECISIONS, type Precision } from '../../shared/domain/time';

const at = (day: number, hour = 0) => new Date(Date.UTC(2025, 4, day, hour)).toISOString();
let seq = 0;
/**
 * An update as the write path records it: `sources` (and `inboxItem`) give the outlets it stores
 * (domain/outlets.ts#outletsOf), which are what the projection folds.
 */
const u = (
  over: Partial<UpdateFacts> &
    Pick<UpdateFacts, 'occurredAt'> & { sources?: { url: string }[]; inboxItem?: string | null },
): UpdateFacts => ({
  id: `U${String(++seq).padStart(5, '0')}`,
  status: null,
  summary: `s${seq}`,
  recordedAt: at(28, seq % 24),
  retraction: null,
  outlets: outletsOf(over),
  ...over,
});

describe('project: the occurred-versus-recorded rule', () => {
  it('takes the status of the update with the latest occurredAt', () => {
    // Prepare
    const updates = [
      u({ occurredAt: at(16), status: 'agreed' }),
      u({ occurredAt: at(23), status: 'in_progress' }),
    ];
    // Act
    const state = project(updates);
    // Assess
    expect(state).toMatchObject({
      status: 'in_progress',
      statusSince: at(23),
      lastOccurredAt: at(23),
      updateCount: 2,
    });
  });

  it('carries the precision of the run-start update into statusSincePrecision and of the latest live update into lastOccurredPrecision', () => {
    // Prepare: "the summit is set for 15 August" (a day), then a timed note that afternoon, then a retracted month report
    const day = u({ occurredAt: '2025-08-15T00:00:00.000Z', occurredPrecision: 'day', status: 'scheduled' });
    const note = u({ occurredAt: '2025-08-15T14:00:00.000Z', occurredPrecision: 'instant', status: null });
    const month = u({
      occurredAt: '2025-09-01T00:00:00.000Z',
      occurredPrecision: 'month',
      status: 'held',
      retraction: { retractedAt: at(30) },
    });
    // Act
    const state = project([month, note, day]);
    // Assess
    expect(state).toMatchObject({
      status: 'scheduled',
      statusSince: '2025-08-15T00:00:00.000Z',
      statusSincePrecision: 'day',
      lastOccurredAt: '2025-08-15T14:00:00.000Z',
      lastOccurredPrecision: 'instant',
    });
  });

  it('orders by the stored start: a day report sorts before any full time later that day, and reads as instant when it has no precision', () => {
    // Prepare
    const timed = u({ occurredAt: '2025-08-15T09:00:00.000Z', status: 'announced' });
    const dated = u({
      occurredAt: '2025-08-15T00:00:00.000Z',
      occurredPrecision: 'day',
      status: 'scheduled',
      recordedAt: at(30),
    });
    // Act
    const state = project([dated, timed]);
    // Assess: the timed report (no precision: stored before precision existed) is the latest
    expect(state).toMatchObject({
      status: 'announced',
      statusSincePrecision: 'instant',
      lastOccurredPrecision: 'instant',
    });
  });

  it('keeps a newer status when a late report of an older event arrives', () => {
    const newer = u({ occurredAt: at(23), status: 'in_progress', recordedAt: at(24) });
    const late = u({ occurredAt: at(18), status: 'stalled', recordedAt: at(30) });
    const state = project([u({ occurredAt: at(16), status: 'agreed', recordedAt: at(16) }), newer, late]);
    expect(state?.status).toBe('in_progress');
    expect(state?.summary).toBe(newer.summary);
    expect(state?.lastRecordedAt).toBe(at(30));
  });

  it('breaks an occurredAt tie by the later recordedAt', () => {
    const first = u({ occurredAt: at(20), status: 'agreed', recordedAt: at(21) });
    const second = u({ occurredAt: at(20), status: 'stalled', recordedAt: at(22) });
    expect(project([second, first])?.status).toBe('stalled');
  });

  it('lets a note refresh summary and times without changing the status or breaking the run', () => {
    const a = u({ occurredAt: at(16), status: 'agreed' });
    const note = u({ occurredAt: at(18), status: null });
    const b = u({ occurredAt: at(20), status: 'agreed' });
    const state = project([a, note, b]);
    expect(state).toMatchObject({
      status: 'agreed',
      statusSince: at(16),
      summary: b.summary,
      updateCount: 3,
    });
    const withLaterNote = project([a, b, u({ occurredAt: at(25), status: null, summary: 'note' })]);
    expect(withLaterNote).toMatchObject({
      status: 'agreed',
      statusSince: at(16),
      summary: 'note',
      lastOccurredAt: at(25),
    });
  });

  it('moves statusSince when a late report splits a run', () => {
    const a = u({ occurredAt: at(16), status: 'agreed' });
    const b = u({ occurredAt: at(22), status: 'agreed' });
    expect(project([a, b])?.statusSince).toBe(at(16));
    const split = u({ occurredAt: at(19), status: 'stalled' });
    expect(project([a, b, split])).toMatchObject({ status: 'agreed', statusSince: at(22) });
  });

  it('ignores retracted updates, and returns null when no status is left', () => {
    const a = u({ occurredAt: at(16), status: 'agreed' });
    const b = u({ occurredAt: at(20), status: 'stalled', retraction: { retractedAt: at(29) } });
    const state = project([a, b]);
    expect(state).toMatchObject({
      status: 'agreed',
      updateCount: 1,
      lastOccurredAt: at(16),
      lastRecordedAt: at(29),
    });
    expect(project([{ ...a, retraction: { retractedAt: at(29) } }])).toBeNull();
    expect(project([u({ occurredAt: at(16) })])).toBeNull();
  });

  it('cuts on occurred time with asOf and on recorded time with knownAt', () => {
    const a = u({ occurredAt: at(16), status: 'agreed', recordedAt: at(16) });
    const b = u({ occurredAt: at(23), status: 'in_progress', recordedAt: at(24) });
    const c = u({
      occurredAt: at(20),
      status: 'stalled',
      recordedAt: at(26),
      retraction: { retractedAt: at(27) },
    });
    expect(project([a, b, c], { asOf: at(21) })?.status).toBe('agreed');
    expect(project([a, b, c], { asOf: at(15) })).toBeNull();
    expect(project([a, b, c], { knownAt: at(25) })?.status).toBe('in_progress');
    // Between the report and its retraction, the report stands.
    expect(project([a, b, c], { asOf: at(21), knownAt: at(26, 12) })?.status).toBe('stalled');
    expect(project([a, b, c], { asOf: at(21), knownAt: at(27, 12) })?.status).toBe('agreed');
  });
});

describe('project: claims by party', () => {
  it('keeps the newsroom status while two parties claim different ones (22 October 2025, Budapest)', () => {
    // Prepare
    const own = u({ occurredAt: at(21), status: 'postponed' });
    const us = u({ occurredAt: at(22, 9), status: 'cancelled', claimedBy: 'us' });
    const kremlin = u({ occurredAt: at(22, 12), status: 'postponed', claimedBy: 'russia' });
    // Act
    const state = project([own, us, kremlin]);
    // Assess
    expect(state).toMatchObject({
      status: 'postponed',
      statusSince: at(21),
      updateCount: 3,
      lastOccurredAt: at(22, 12),
      disputed: true,
      claims: [
        {
          party: 'russia',
          status: 'postponed',
          since: at(22, 12),
          sincePrecision: 'instant',
          updateId: kremlin.id,
        },
        { party: 'us', status: 'cancelled', since: at(22, 9), sincePrecision: 'instant', updateId: us.id },
      ],
    });
  });

  it('is not disputed while every claim matches the thread status', () => {
    // Prepare
    const updates = [
      u({ occurredAt: at(1), status: 'agreed' }),
      u({ occurredAt: at(2), status: 'agreed', claimedBy: 'ukraine' }),
      u({ occurredAt: at(3), status: 'agreed', claimedBy: 'russia' }),
    ];
    // Act
    const state = project(updates);
    // Assess
    expect(state).toMatchObject({ disputed: false });
    expect(state!.claims.map((c) => c.party)).toEqual(['russia', 'ukraine']);
  });

  it("takes each party's latest claim by occurredAt, and its earlier one back when the latest is retracted", () => {
    // Prepare
    const own = u({ occurredAt: at(1), status: 'scheduled' });
    const first = u({ occurredAt: at(2), status: 'scheduled', claimedBy: 'us' });
    const latest = u({ occurredAt: at(5), status: 'cancelled', claimedBy: 'us' });
    const lateButOlder = u({ occurredAt: at(3), status: 'postponed', claimedBy: 'us' });
    // Act
    const withAll = project([own, first, latest, lateButOlder]);
    const retracted = project([own, first, { ...latest, retraction: { retractedAt: at(29) } }, lateButOlder]);
    // Assess
    expect(withAll!.claims).toEqual([expect.objectContaining({ status: 'cancelled', updateId: latest.id })]);
    expect(retracted!.claims).toEqual([
      expect.objectContaining({ status: 'postponed', updateId: lateButOlder.id }),
    ]);
    expect(retracted).toMatchObject({ status: 'scheduled', disputed: true });
  });

  it('never starts or breaks a status run: a claim is not a status change', () => {
    // Prepare
    const updates = [
      u({ occurredAt: at(1), status: 'negotiating' }),
      u({ occurredAt: at(2), status: 'agreed', claimedBy: 'us' }),
      u({ occurredAt: at(3), status: 'negotiating' }),
    ];
    // Act
    const state = project(updates);
    // Assess
    expect(state).toMatchObject({ status: 'negotiating', statusSince: at(1), updateCount: 3 });
  });
});

describe('project: corroboration', () => {
  const src = (...urls: string[]) => urls.map((url) => ({ url }));

  it('counts distinct registrable domains of the current status since it began, repeats included', () => {
    // Prepare
    const updates = [
      u({ occurredAt: at(1), status: 'proposed', sources: src('https://www.reuters.com/old') }),
      u({
        occurredAt: at(2),
        status: 'agreed',
        sources: src('https://news.bbc.co.uk/a', 'https://www.bbc.co.uk/b'),
      }),
      u({ occurredAt: at(3), status: null, sources: src('https://apnews.com/note') }),
      u({ occurredAt: at(4), status: 'agreed', claimedBy: 'us', sources: src('https://state.gov/claim') }),
      u({ occurredAt: at(5), status: 'agreed', sources: src('https://kyivindependent.com/x') }),
    ];
    // Act
    const state = project(updates);
    // Assess: the earlier status's source, the note's and the claim's do not count
    expect(state!.corroboration).toEqual({ outlets: ['bbc.co.uk', 'kyivindependent.com'], count: 2 });
  });

  it("counts an accepted inbox item's sources as one outlet: the article, not its syndicated copies", () => {
    // Prepare
    const accepted = u({
      occurredAt: at(1),
      status: 'held',
      inboxItem: '01JINBOX',
      sources: src(
        'https://apnews.com/story',
        'https://www.washingtonpost.com/copy',
        'https://abcnews.go.com/copy',
      ),
    });
    // Act
    const state = project([accepted]);
    // Assess
    expect(state!.corroboration).toEqual({ outlets: ['apnews.com'], count: 1 });
  });

  it('drops the outlets of a retracted update and starts afresh with a new status', () => {
    // Prepare
    const a = u({ occurredAt: at(1), status: 'agreed', sources: src('https://reuters.com/a') });
    const b = u({ occurredAt: at(2), status: 'agreed', sources: src('https://apnews.com/b') });
    const c = u({ occurredAt: at(3), status: 'stalled', sources: src('https://bbc.com/c') });
    // Act
    const both = project([a, b]);
    const retracted = project([a, { ...b, retraction: { retractedAt: at(29) } }]);
    const moved = project([a, b, c]);
    // Assess
    expect(both!.corroboration.count).toBe(2);
    expect(retracted!.corroboration).toEqual({ outlets: ['reuters.com'], count: 1 });
    expect(moved!.corroboration).toEqual({ outlets: ['bbc.com'], count: 1 });
  });
});

// ---- Properties ----

const STATUSES = ['proposed', 'agreed', 'stalled', null] as const;
const day0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const updateArb = fc.record({
  status: fc.constantFrom(...STATUSES),
  occurred: fc.integer({ min: 0, max: 40 }),
  recorded: fc.integer({ min: 0, max: 40 }),
  retractedAfter: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
  // Absent: an update stored before precision existed (read as instant).
  precision: fc.option(fc.constantFrom(...PRECISIONS), { nil: undefined }),
  // Contract 1.2: a party's claim (when the update carries a status) and the sources' outlets.
  party: fc.constantFrom(null, null, 'us', 'russia'),
  sources: fc.subarray(['https://news.bbc.co.uk/a', 'https://www.bbc.co.uk/b', 'https://apnews.com/c']),
});

/** A period is stored as its start: a day report at hour h sorts at that day's midnight (months and years here: 1 Jan). */
const startOf = (hours: number, precision: Precision | undefined) =>
  precision === 'day'
    ? Math.floor(hours / 24) * 24
    : precision === 'month' || precision === 'year'
      ? 0
      : hours;

const historyArb = fc.array(updateArb, { minLength: 1, maxLength: 25 }).map((raw) =>
  raw.map((r, i): UpdateFacts => ({
    id: `U${String(i).padStart(4, '0')}`,
    status: r.status,
    summary: `summary ${i}`,
    occurredAt: iso(day0 + startOf(r.occurred, r.precision) * 3_600_000),
    ...(r.precision ? { occurredPrecision: r.precision } : {}),
    recordedAt: iso(day0 + r.recorded * 3_600_000),
    claimedBy: r.status !== null ? r.party : null,
    outlets: outletsOf({ sources: r.sources.map((url) => ({ url })) }),
    retraction:
      r.retractedAfter === undefined
        ? null
        : { retractedAt: iso(day0 + (r.recorded + r.retractedAfter) * 3_600_000) },
  })),
);

const timeArb = fc.integer({ min: -1, max: 60 }).map((h) => iso(day0 + h * 3_600_000));

describe('project: properties', () => {
  it('yields the same thread for any arrival order of the same updates', () => {
    fc.assert(
      fc.property(historyArb, fc.func(fc.integer()), (updates, key) => {
        const shuffled = [...updates].sort((a, b) => key(a.id) - key(b.id));
        expect(project(shuffled)).toEqual(project(updates));
        expect(project([...updates].reverse())).toEqual(project(updates));
      }),
      { numRuns: 500 },
    );
  });

  it('never changes the view at an earlier asOf when a later-occurring update is appended', () => {
    fc.assert(
      fc.property(historyArb, updateArb, timeArb, (updates, extra, asOf) => {
        const later: UpdateFacts = {
          id: 'UZZZZ',
          status: extra.status,
          summary: 'late',
          occurredAt: iso(Date.parse(asOf) + 1 + extra.occurred * 3_600_000),
          recordedAt: iso(day0 + extra.recorded * 3_600_000),
          retraction: null,
          outlets: outletsOf({ sources: extra.sources.map((url) => ({ url })) }),
        };
        expect(project([...updates, later], { asOf })).toEqual(project(updates, { asOf }));
      }),
      { numRuns: 500 },
    );
  });

  it('never changes the view at an earlier knownAt when an update is recorded later', () => {
    fc.assert(
      fc.property(historyArb, updateArb, timeArb, (updates, extra, knownAt) => {
        const later: UpdateFacts = {
          id: 'UZZZZ',
          status: extra.status,
          summary: 'late',
          occurredAt: iso(day0 + extra.occurred * 3_600_000),
          recordedAt: iso(Date.parse(knownAt) + 1000),
          retraction: null,
          outlets: outletsOf({ sources: extra.sources.map((url) => ({ url })) }),
        };
        expect(project([...updates, later], { knownAt })).toEqual(project(updates, { knownAt }));
      }),
      { numRuns: 500 },
    );
  });

  it('equals the projection of the filtered history for any asOf and knownAt', () => {
    fc.assert(
      fc.property(historyArb, timeArb, timeArb, (updates, asOf, knownAt) => {
        const filtered = updates
          .filter((x) => x.occurredAt <= asOf && x.recordedAt <= knownAt)
          .map((x) => (x.retraction && x.retraction.retractedAt > knownAt ? { ...x, retraction: null } : x));
        expect(project(updates, { asOf, knownAt })).toEqual(project(filtered));
      }),
      { numRuns: 500 },
    );
  });

  it('restores exactly the state without an update when that update is retracted', () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (raw, pick) => {
        const updates = raw.map((x) => ({ ...x, retraction: null }));
        const i = pick % updates.length;
        const retracted = updates.map((x, j) =>
          j === i ? { ...x, retraction: { retractedAt: iso(day0) } } : x,
        );
        const without = updates.filter((_, j) => j !== i);
        const a = project(retracted),
          b = project(without);
        // lastRecordedAt also counts the retraction's own time; everything else must match exactly.
        if (b === null) expect(a).toBeNull();
        else expect({ ...a, lastRecordedAt: undefined }).toEqual({ ...b, lastRecordedAt: undefined });
      }),
      { numRuns: 500 },
    );
  });
});
