import { LocalRecounter } from '../../shared/app/scenarios';
import { countThreads, sameCounts, scenariosToRecount } from '../../shared/domain/scenario-counts';

describe('countThreads', () => {
  it('counts non-archived threads by status, stale and overdue; a missing flag is false', () => {
    // Act
    const counts = countThreads([
      { status: 'proposed' },
      { status: 'agreed', stale: true },
      { status: 'proposed', overdue: true },
      { status: 'rejected', archived: true, stale: true, overdue: true },
    ]);
    // Assess
    expect(counts).toEqual({
      threadCount: 3,
      statusCounts: { agreed: 1, proposed: 2 },
      staleCount: 1,
      overdueCount: 1,
    });
    expect(Object.keys(counts.statusCounts)).toEqual(['agreed', 'proposed']);
  });

  it('compares counts regardless of key order and zero entries', () => {
    const a = { threadCount: 2, statusCounts: { b: 1, a: 1 }, staleCount: 0, overdueCount: 0 };
    expect(sameCounts(a, { ...a, statusCounts: { a: 1, b: 1, c: 0 } })).toBe(true);
    expect(sameCounts(a, { ...a, statusCounts: { a: 2 } })).toBe(false);
    expect(sameCounts(a, { ...a, staleCount: 1 })).toBe(false);
  });
});

describe('scenariosToRecount', () => {
  const t = { scenario: 's', status: 'proposed', stale: false };
  it('asks for a recount only when something counted changed', () => {
    expect(scenariosToRecount(undefined, t)).toEqual(['s']);
    expect(scenariosToRecount(t, { ...t })).toEqual([]);
    expect(scenariosToRecount(t, { ...t, status: 'agreed' })).toEqual(['s']);
    expect(scenariosToRecount(t, { ...t, stale: true })).toEqual(['s']);
    expect(scenariosToRecount(t, { ...t, archived: true })).toEqual(['s']);
    expect(scenariosToRecount(t, { ...t, overdue: true })).toEqual(['s']);
    expect(scenariosToRecount(t, { ...t, scenario: 'other' })).toEqual(['s', 'other']);
  });
});

describe('LocalRecounter', () => {
  afterEach(() => jest.useRealTimers());

  it('recounts each requested scenario once per flush, and only when flushed while not started', async () => {
    // Prepare
    const recounted: string[] = [];
    const r = new LocalRecounter(async (s) => void recounted.push(s));
    // Act
    await r.request(['a', 'b']);
    await r.request(['a']);
    const before = [...recounted];
    await r.flush();
    // Assess
    expect(before).toEqual([]);
    expect(recounted).toEqual(['a', 'b']);
  });

  it('once started, gathers the requests of a quiet spell and recounts them when its timer fires', async () => {
    // Prepare
    jest.useFakeTimers();
    const recounted: string[] = [];
    const r = new LocalRecounter(async (s) => void recounted.push(s));
    r.start(2000);
    // Act
    await r.request(['a']);
    jest.advanceTimersByTime(1999);
    await r.request(['a', 'b']);
    const early = [...recounted];
    jest.advanceTimersByTime(1);
    await r.flush();
    r.stop();
    // Assess
    expect(early).toEqual([]);
    expect(recounted).toEqual(['a', 'b']);
  });

  it('keeps going when one recount fails', async () => {
    const recounted: string[] = [];
    const r = new LocalRecounter(async (s) => {
      if (s === 'bad') throw new Error('boom');
      recounted.push(s);
    });
    await r.request(['bad', 'good']);
    await r.flush();
    expect(recounted).toEqual(['good']);
  });
});
