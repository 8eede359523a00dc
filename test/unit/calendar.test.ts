import { eventOf } from '../../shared/app/calendar';
import { calendarAfterChange, CANCELLED_KEPT_DAYS } from '../../shared/domain/calendar';
import type { Thread } from '../../shared/domain/types';

/** What the calendar keeps of a cleared expectation, and for how long (contract 1.2: 30 days). */
const thread: Thread = {
  id: 'budapest',
  scenario: 'talks',
  kind: 'summit',
  title: 'Budapest meeting',
  status: 'postponed',
  statusSince: '2025-10-22T00:00:00.000Z',
  statusSincePrecision: 'day',
  summary: 'Postponed.',
  lastOccurredAt: '2025-10-22T00:00:00.000Z',
  lastOccurredPrecision: 'day',
  lastRecordedAt: '2025-10-22T09:00:00.000Z',
  updateCount: 2,
  version: 3,
  staleAfterHours: 72,
  stale: false,
  staleSince: null,
  overdue: false,
  overdueSince: null,
  expected: null,
  parent: null,
  archived: false,
  createdAt: '2025-10-16T09:00:00.000Z',
  updatedAt: '2025-10-22T09:00:00.000Z',
  keywords: [],
  criteria: null,
};
const meeting = { what: 'Trump–Putin meeting', at: '2025-10-30T00:00:00.000Z', precision: 'day' as const };
const clearedAt = '2025-10-22T09:00:00.000Z';
const day = 86_400_000;

describe('the cancelled event', () => {
  it('is kept, cancelled, until 30 days after the expectation was cleared, then dropped', () => {
    // Prepare
    const set = calendarAfterChange(null, null, meeting, '2025-10-16T09:00:00.000Z');
    const cleared = calendarAfterChange(set, meeting, null, clearedAt);
    const at = (days: number) => Date.parse(clearedAt) + days * day;
    // Act
    const justBefore = eventOf(thread, cleared, at(CANCELLED_KEPT_DAYS) - 1);
    const after = eventOf(thread, cleared, at(CANCELLED_KEPT_DAYS));
    // Assess
    expect(justBefore).toMatchObject({
      status: 'CANCELLED',
      sequence: 2,
      title: meeting.what,
      start: [2025, 10, 30],
    });
    expect(after).toBeNull();
  });

  it('is no longer kept once something is expected again', () => {
    // Prepare
    const cleared = calendarAfterChange(null, meeting, null, clearedAt);
    const next = { ...meeting, at: '2025-11-15T00:00:00.000Z' };
    // Act
    const state = calendarAfterChange(cleared, null, next, '2025-10-23T09:00:00.000Z');
    const event = eventOf({ ...thread, expected: next }, state, Date.parse('2025-10-23T10:00:00.000Z'));
    // Assess
    expect(state.cancelled).toBeNull();
    expect(event).toMatchObject({ sequence: 2, start: [2025, 11, 15], end: [2025, 11, 16] });
    expect(event).not.toHaveProperty('status');
  });

  it('gives no event to a thread that never expected anything', () => {
    // Act / Assess
    expect(eventOf(thread, null, Date.parse(clearedAt))).toBeNull();
  });
});

describe('the earlier start (previousAt)', () => {
  it('is the start before the expected date last moved; a new wording alone moves nothing', () => {
    // Prepare
    const later = { ...meeting, at: '2025-11-15T00:00:00.000Z' };
    const set = calendarAfterChange(null, null, meeting, '2025-10-16T09:00:00.000Z');
    // Act
    const moved = calendarAfterChange(set, meeting, later, '2025-10-20T09:00:00.000Z');
    const reworded = calendarAfterChange(moved, later, { ...later, what: 'Meeting in Budapest' }, clearedAt);
    const cleared = calendarAfterChange(null, meeting, null, clearedAt);
    const setAgain = calendarAfterChange(cleared, null, later, '2025-10-23T09:00:00.000Z');
    // Assess
    expect(set).not.toHaveProperty('previousAt');
    expect(moved.previousAt).toBe(meeting.at);
    expect(reworded.previousAt).toBe(meeting.at);
    expect(setAgain.previousAt).toBe(meeting.at);
  });
});
