import { ulid } from 'ulid';

export type TrackerEventType = 'ThreadStale' | 'ThreadStatusChanged' | 'UpdateAmended';

/** A notification, exactly as consumers receive it (EventBridge detail, webhook body). */
export interface TrackerEvent {
  /** Stable across redeliveries, so consumers can drop duplicates. */
  id: string;
  type: TrackerEventType;
  time: string;
  threadId: string;
  scenario: string;
  /** The thread's status; on update events, the update's (`null` for a note). */
  status: string | null;
  previousStatus?: string;
  updateId?: string;
  staleSince?: string;
}

export const statusChanged = (thread: { id: string; scenario: string; status: string }, previousStatus: string, time: string): TrackerEvent => ({
  id: ulid(),
  type: 'ThreadStatusChanged',
  time,
  threadId: thread.id,
  scenario: thread.scenario,
  status: thread.status,
  previousStatus,
});

export const threadStale = (thread: { id: string; scenario: string; status: string }, staleSince: string, time: string): TrackerEvent => ({
  id: ulid(),
  type: 'ThreadStale',
  time,
  threadId: thread.id,
  scenario: thread.scenario,
  status: thread.status,
  staleSince,
});

/** An update's wording was amended (contract 1.1): `status` is the update's, `null` for a note. */
export const updateAmended = (thread: { id: string; scenario: string }, update: { id: string; status: string | null }, time: string): TrackerEvent => ({
  id: ulid(),
  type: 'UpdateAmended',
  time,
  threadId: thread.id,
  scenario: thread.scenario,
  status: update.status,
  updateId: update.id,
});
