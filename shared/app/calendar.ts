import type { EventAttributes } from 'ics';
import { CANCELLED_KEPT_DAYS, type CalendarState } from '../domain/calendar';
import { NotFoundError } from '../domain/errors';
import { periodAfter } from '../domain/time';
import type { Expected, Thread } from '../domain/types';
import type { AppContext } from './context';

export const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

const DAY_MS = 86_400_000;

/** A UTC date as iCalendar's all-day DATE (ics: a three-number array). */
const dateOf = (iso: string): [number, number, number] => {
  const d = new Date(iso);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
};

/**
 * When an expected event is: an instant as a UTC DATE-TIME (no DTEND: RFC 5545 §3.6.1, it takes no
 * time); a day, month or year as the whole period in all-day DATEs, DTEND the first day after it.
 */
const whenOf = (expected: Expected): Record<string, unknown> =>
  expected.precision === 'instant'
    ? { start: Date.parse(expected.at), startInputType: 'utc', startOutputType: 'utc' }
    : { start: dateOf(expected.at), end: dateOf(periodAfter(expected)) };

/** One thread's event, or none (no expectation now, and a cleared one older than CANCELLED_KEPT_DAYS). */
export function eventOf(thread: Thread, calendar: CalendarState | null, now: number): EventAttributes | null {
  const cancelled = calendar?.cancelled ?? null;
  const expected = thread.expected ?? cancelled;
  if (expected === null) return null;
  if (thread.expected === null && Date.parse(cancelled!.clearedAt) + CANCELLED_KEPT_DAYS * DAY_MS <= now)
    return null;
  return {
    uid: `${thread.id}@scenario-tracker`,
    sequence: calendar?.sequence ?? 0,
    // When the thread (the event's title and status included) was last revised: stable between
    // writes, so the document and its ETag are too.
    timestamp: Date.parse(thread.updatedAt),
    title: expected.what,
    description: `${thread.title}\nStatus: ${thread.status}`,
    ...(thread.expected === null ? { status: 'CANCELLED' as const } : {}),
    ...whenOf(expected),
    // The package's typings ask for an end or a duration and know no `timestamp` (DTSTAMP); its
    // schema takes both as used here, and RFC 5545 lets a DATE-TIME start stand alone.
  } as unknown as EventAttributes;
}

/**
 * The scenario's calendar (RFC 5545) through the `ics` package: one VEVENT per thread whose
 * `expected` is or was set, in thread id order. No METHOD: a published calendar read by
 * subscription, served as plain `text/calendar` (a METHOD would have to be repeated in the media
 * type, RFC 5545 §3.7.2). 404 when the scenario has no item and no thread.
 */
export async function scenarioCalendar(
  ctx: Pick<AppContext, 'threads' | 'feeds'>,
  scenario: string,
  now: number,
): Promise<string> {
  const [info, entries] = await Promise.all([
    ctx.feeds.scenario(scenario),
    ctx.threads.calendarThreads(scenario),
  ]);
  if (!info && entries.length === 0) {
    const any = await ctx.threads.listThreads({ scenario, archived: 'any' }, 1);
    if (any.items.length === 0) throw new NotFoundError(`No scenario ${scenario}.`);
  }
  const events = entries
    .sort((a, b) => (a.thread.id < b.thread.id ? -1 : 1))
    .map(({ thread, calendar }) => eventOf(thread, calendar, now))
    .filter((e): e is EventAttributes => e !== null);
  const { createEvents } = await import('ics');
  const { error, value } = createEvents(events, {
    productId: '-//Scenario Tracker//Expected events//EN',
    method: undefined,
    calName: info?.title ?? scenario,
  });
  if (error || value === null) throw error ?? new Error('ics produced no calendar');
  return value;
}
