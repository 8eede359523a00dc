import { ulid } from 'ulid';

export type TrackerEventType = 'ThreadStale' | 'ThreadStatusChanged';

/** A notification, exactly as consumers receive it (EventBridge detail, webhook body). */
export interface TrackerEvent {
  /** Stable across redeliveries, so consumers can drop duplicates. */
  id: string;
  type: TrackerEventType;
  time: string;
  threadId: string;
  scenario: string;
  status: string;
  previousStatus?: string;
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
