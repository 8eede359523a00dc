import { monotonicFactory } from 'ulid';
import { EVENT_TYPES, type TrackerEventType } from './event-types';

export { EVENT_TYPES, type TrackerEventType };

/** What a thread is expected to do next (contract 1.1 "Threads: new fields"), as events carry it. */
export interface ExpectedEvent {
  what: string;
  at: string;
  precision: string;
}

/**
 * A notification, exactly as consumers receive it (EventBridge detail, webhook body): one envelope
 * for every type. Fields a type has nothing to say about are left out, never null — except `status`
 * on the update events, where null says "a note", and `scenario`, null only on a Ping of a
 * subscription that has no scenario.
 */
export interface TrackerEvent {
  /** A ULID: stable across redeliveries (consumers drop repeats by it), ordered within a process. */
  id: string;
  type: TrackerEventType;
  time: string;
  scenario: string | null;
  threadId?: string;
  updateId?: string;
  status?: string | null;
  previousStatus?: string;
  staleSince?: string;
  overdueSince?: string;
  expected?: ExpectedEvent | null;
  /** ThreadChanged (contract 1.2): the names of the thread's fields the PATCH changed, and its new version. */
  changes?: string[];
  version?: number;
  /** ThreadChanged of a thread moved to another scenario: the one it left (its followers see it leave). */
  previousScenario?: string;
  /** On the update events of a claim (contract 1.2): `status` is then that party's claim, not the thread's. */
  claimedBy?: string;
  /** InboxItemArrived (contract 1.2): the new item; its `threadId` is the item's top match, if any. */
  inboxItemId?: string;
}

// Monotonic: the events one write emits (UpdatePosted, then ThreadStatusChanged) sort in that order.
const nextId = monotonicFactory();

/**
 * An id from the events' own factory, for a write that records changes but emits no event (the
 * changes feed's carrier item): it sorts with the event ids of the same process.
 */
export const newEventId = (time: string): string => nextId(Date.parse(time) || Date.now());

type ThreadRef = { id: string; scenario: string; status: string };
type UpdateRef = { id: string; status: string | null; claimedBy?: string | null };

const base = (type: TrackerEventType, thread: Pick<ThreadRef, 'id' | 'scenario'>, time: string) => ({
  id: nextId(Date.parse(time) || Date.now()),
  type,
  time,
  scenario: thread.scenario,
  threadId: thread.id,
});

/** POST /threads: the thread with its first status (no separate UpdatePosted or ThreadStatusChanged). */
export const threadCreated = (
  thread: ThreadRef & { expected?: ExpectedEvent | null },
  update: Pick<UpdateRef, 'id'>,
  time: string,
): TrackerEvent => ({
  ...base('ThreadCreated', thread, time),
  updateId: update.id,
  status: thread.status,
  ...(thread.expected ? { expected: thread.expected } : {}),
});

export const statusChanged = (thread: ThreadRef, previousStatus: string, time: string): TrackerEvent => ({
  ...base('ThreadStatusChanged', thread, time),
  status: thread.status,
  previousStatus,
});

/** On the three update events `status` is the update's own: null for a note. */
const updateEvent =
  (type: 'UpdatePosted' | 'UpdateAmended' | 'UpdateRetracted') =>
  (thread: Pick<ThreadRef, 'id' | 'scenario'>, update: UpdateRef, time: string): TrackerEvent => ({
    ...base(type, thread, time),
    updateId: update.id,
    status: update.status,
    ...(update.claimedBy ? { claimedBy: update.claimedBy } : {}),
  });

export const updatePosted = updateEvent('UpdatePosted');
/** For the amendments helper: emit it from the amend write, like updatePosted. */
export const updateAmended = updateEvent('UpdateAmended');
export const updateRetracted = updateEvent('UpdateRetracted');

export const threadStale = (thread: ThreadRef, staleSince: string, time: string): TrackerEvent => ({
  ...base('ThreadStale', thread, time),
  status: thread.status,
  staleSince,
});

/** For the overdue check: one per thread it marks, with the end of the expected period. */
export const threadOverdue = (
  thread: ThreadRef,
  overdueSince: string,
  expected: ExpectedEvent,
  time: string,
): TrackerEvent => ({
  ...base('ThreadOverdue', thread, time),
  status: thread.status,
  overdueSince,
  expected,
});

/**
 * Contract 1.2: a PATCH of the thread changed these fields (names as the thread shows them); `version`
 * is the thread's after it. A move names the scenario left, so those following it see the thread go.
 */
export const threadChanged = (
  thread: Pick<ThreadRef, 'id' | 'scenario'> & { version: number },
  changes: string[],
  time: string,
  previousScenario?: string,
): TrackerEvent => ({
  ...base('ThreadChanged', thread, time),
  changes,
  version: thread.version,
  ...(previousScenario !== undefined && previousScenario !== thread.scenario ? { previousScenario } : {}),
});

/** A Ping goes to one subscription only; its scenario is the subscription's (or null). */
export const ping = (subscription: { scenario: string | null }, time: string): TrackerEvent => ({
  id: nextId(Date.parse(time) || Date.now()),
  type: 'Ping',
  time,
  scenario: subscription.scenario,
});

/** A new inbox item (contract 1.2): its scenario, its id, and its best-matched thread when it has one. */
export const inboxItemArrived = (
  item: { id: string; scenario: string; matches: readonly { threadId: string }[] },
  time: string,
): TrackerEvent => ({
  id: nextId(Date.parse(time) || Date.now()),
  type: 'InboxItemArrived',
  time,
  scenario: item.scenario,
  ...(item.matches[0] ? { threadId: item.matches[0].threadId } : {}),
  inboxItemId: item.id,
});
