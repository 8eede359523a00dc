import fc from 'fast-check';
import { project, type UpdateFacts } from '../../shared/domain/projection';
import { PRECISIONS, type Precision } from '../../shared/domain/time';

const at = (day: number, hour = 0) => new Date(Date.UTC(2025, 4, day, hour)).toISOString();
let seq = 0;
const u = (over: Partial<UpdateFacts> & Pick<UpdateFacts, 'occurredAt'>): UpdateFacts => ({
  id: `U${String(++seq).padStart(5, '0')}`,
  status: null,
  summary: `s${seq}`,
  recordedAt: at(28, seq % 24),
  retraction: null,
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
