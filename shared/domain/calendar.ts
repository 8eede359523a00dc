import type { Expected } from './types';

/**
 * What the calendar keeps of a thread's expected event beyond `expected` itself (contract 1.2
 * "Calendar of expected events"), stored on the thread item: how many times `expected` changed
 * (the event's SEQUENCE), when it last did, and what was expected before it was cleared (the
 * cancelled event, kept CANCELLED_KEPT_DAYS).
 */
export interface CalendarState {
  sequence: number;
  changedAt: string;
  cancelled: (Expected & { clearedAt: string }) | null;
  /**
   * The start of the expected event before its date last moved (the public page's schema.org
   * `previousStartDate` of a rescheduled Event); absent while it never moved.
   */
  previousAt?: string;
}

/** How long a cleared expectation stays in the calendar as a cancelled event. */
export const CANCELLED_KEPT_DAYS = 30;

/**
 * The state after `expected` changed from `before` to `after` at `now` (a change: the caller has
 * checked they differ). Clearing keeps what was expected as the cancelled event; setting again drops it.
 * A new start, after an earlier one (still set, or cleared and kept as cancelled), moves the event:
 * that earlier start becomes `previousAt`. A change of `what` or of the precision alone moves nothing.
 */
export const calendarAfterChange = (
  state: CalendarState | null,
  before: Expected | null,
  after: Expected | null,
  now: string,
): CalendarState => {
  const earlier = before ?? state?.cancelled ?? null;
  const previousAt =
    after !== null && earlier !== null && earlier.at !== after.at ? earlier.at : state?.previousAt;
  return {
    sequence: (state?.sequence ?? 0) + 1,
    changedAt: now,
    cancelled: after === null && before !== null ? { ...before, clearedAt: now } : null,
    ...(previousAt !== undefined ? { previousAt } : {}),
  };
};
