import { decodeTime } from 'ulid';
import type { Expected, Thread, Update } from './types';

/**
 * The changes feed (contract 1.2, "What changed since"): what the tracker learned, in the order it
 * recorded it. Each write records its changes with its own transaction (docs/data-model.md, *Changes
 * feed*); this module says which changes a write makes and what a position in the feed looks like.
 */

export const CHANGE_TYPES = [
  'thread_created',
  'update',
  'late_update',
  'amended',
  'retracted',
  'status_changed',
  'moved',
  'archived',
  'unarchived',
  'expected_set',
  'expected_cleared',
  'changed',
  'published',
  'stale',
  'overdue',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/**
 * Not a change the feed shows: the mark of a write that moved a thread's `updatedAt` but records no
 * change (a PATCH giving a field the value it has, a key flag). It rides with the write like any
 * change, so the feed's carriers name every thread write, which is what `updatedSince` and the
 * scenario's Atom feed read (docs/data-model.md, *Index budget*); the feed's readers leave it out.
 */
export const TOUCHED = 'touched';

/** One change as stored with its write (the cursor is derived from where it is stored). */
export interface ChangeRecord {
  type: ChangeType | typeof TOUCHED;
  at: string;
  /** The token's name; null for the scheduled check. */
  by: string | null;
  scenario: string;
  threadId: string;
  updateId?: string;
  status?: string | null;
  previousStatus?: string | null;
  occurredAt?: string;
  /** `moved`: the scenario the thread left. */
  previousScenario?: string;
  /** `changed`: the names of the fields that changed. */
  fields?: string[];
}

/** A change as the feed answers it. */
export interface ChangeItem extends ChangeRecord {
  type: ChangeType;
  cursor: string;
}

/** Whether the feed shows a stored change (every one but the TOUCHED mark). */
export const shown = (change: ChangeRecord): change is ChangeRecord & { type: ChangeType } =>
  change.type !== TOUCHED;

/** How far back `since` may reach: the records are kept this long (their TTL adds a day). */
export const CHANGES_MAX_AGE_DAYS = 400;

/**
 * A cursor: the ULID of the item the change is stored on (the write's first event id, whose time is
 * the change's `at`) and the change's place among that write's changes, two Crockford base32 digits.
 * Both parts sort as text, so cursors increase in the feed's order, and changes that share a
 * millisecond (one write's several, or two writes') still have distinct, ordered cursors.
 */
export const CURSOR = /^[0-9A-HJKMNP-TV-Z]{28}$/;
const DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** At most this many changes per write (two digits of base 32). */
export const MAX_CHANGES_PER_WRITE = DIGITS.length * DIGITS.length;

export const cursorOf = (itemId: string, seq: number): string =>
  `${itemId}${DIGITS[Math.floor(seq / DIGITS.length)]}${DIGITS[seq % DIGITS.length]}`;

/** A cursor's item id and place; the cursor is checked against CURSOR first. */
export const parseCursor = (cursor: string): { itemId: string; seq: number } => ({
  itemId: cursor.slice(0, 26),
  seq: DIGITS.indexOf(cursor[26]!) * DIGITS.length + DIGITS.indexOf(cursor[27]!),
});

/** The recorded time a cursor stands for (ms): its item's ULID time. */
export const cursorTime = (cursor: string): number => decodeTime(cursor.slice(0, 26));

type Actor = { by: string | null; at: string };
const on = (thread: Pick<Thread, 'id' | 'scenario'>, actor: Actor) => ({
  at: actor.at,
  by: actor.by,
  scenario: thread.scenario,
  threadId: thread.id,
});

/** A status change, after the change about the update that caused it (as ThreadStatusChanged follows UpdatePosted). */
const statusChange = (before: Thread, after: Thread, actor: Actor): ChangeRecord[] =>
  before.status === after.status
    ? []
    : [{ type: 'status_changed', ...on(after, actor), status: after.status, previousStatus: before.status }];

export function createdChanges(thread: Thread, update: Update, actor: Actor): ChangeRecord[] {
  return [
    {
      type: 'thread_created',
      ...on(thread, actor),
      updateId: update.id,
      status: thread.status,
      occurredAt: update.occurredAt,
    },
  ];
}

/**
 * A posted update: `late_update` when it occurred before the thread's latest live update as the
 * thread stood when it arrived (`before.lastOccurredAt`), else `update`.
 */
export function postedChanges(before: Thread, after: Thread, update: Update, actor: Actor): ChangeRecord[] {
  return [
    {
      type: update.occurredAt < before.lastOccurredAt ? 'late_update' : 'update',
      ...on(after, actor),
      updateId: update.id,
      status: update.status,
      occurredAt: update.occurredAt,
    },
    ...statusChange(before, after, actor),
  ];
}

/** A retraction: a tombstone of the update, then the status change it caused, if any. */
export function retractedChanges(
  before: Thread,
  after: Thread,
  update: Update,
  actor: Actor,
): ChangeRecord[] {
  return [
    {
      type: 'retracted',
      ...on(after, actor),
      updateId: update.id,
      status: update.status,
      occurredAt: update.occurredAt,
    },
    ...statusChange(before, after, actor),
  ];
}

export function amendedChanges(thread: Thread, update: Update, actor: Actor): ChangeRecord[] {
  return [
    {
      type: 'amended',
      ...on(thread, actor),
      updateId: update.id,
      status: update.status,
      occurredAt: update.occurredAt,
    },
  ];
}

/**
 * The fields of a thread whose change is a `changed` entry. Criteria and keywords (contract 1.2,
 * another part) join this list where they live on the Thread: compared the same way, as JSON.
 */
const CHANGED_FIELDS = ['title', 'kind', 'parent', 'staleAfterHours', 'criteria', 'keywords'] as const;

const sameExpected = (a: Expected | null, b: Expected | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * What a PATCH changed, one entry per kind of change: `moved`, `archived`/`unarchived`,
 * `expected_set`/`expected_cleared`, and one `changed` naming the other fields that now differ.
 * A PATCH that rewrites a field with the value it had records nothing.
 */
export function patchedChanges(before: Thread, after: Thread, actor: Actor): ChangeRecord[] {
  const out: ChangeRecord[] = [];
  if (before.scenario !== after.scenario)
    out.push({ type: 'moved', ...on(after, actor), previousScenario: before.scenario });
  if (before.archived !== after.archived)
    out.push({ type: after.archived ? 'archived' : 'unarchived', ...on(after, actor) });
  if (!sameExpected(before.expected, after.expected))
    out.push({ type: after.expected === null ? 'expected_cleared' : 'expected_set', ...on(after, actor) });
  const b = before as unknown as Record<string, unknown>;
  const a = after as unknown as Record<string, unknown>;
  const fields = CHANGED_FIELDS.filter((f) => JSON.stringify(b[f] ?? null) !== JSON.stringify(a[f] ?? null));
  if (fields.length) out.push({ type: 'changed', ...on(after, actor), fields: [...fields] });
  return out;
}

/** The scheduled check's flags: `by` is null. */
export function flaggedChanges(
  type: 'stale' | 'overdue',
  thread: { threadId: string; scenario: string; status: string },
  at: string,
): ChangeRecord[] {
  return [
    { type, at, by: null, scenario: thread.scenario, threadId: thread.threadId, status: thread.status },
  ];
}

/** The TOUCHED mark of a write that records no change (see TOUCHED). */
export const touchedChange = (thread: Pick<Thread, 'id' | 'scenario'>, actor: Actor): ChangeRecord => ({
  type: TOUCHED,
  ...on(thread, actor),
});
