import { ulid } from 'ulid';
import type { Expected } from '../domain/types';

export type TrackerEventType = 'ThreadStale' | 'ThreadStatusChanged' | 'ThreadOverdue';

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
  overdueSince?: string;
  expected?: Expected;
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

/** The expected thing did not happen by the end of its period: emitted once, by the scheduled check. */
export const threadOverdue = (thread: { id: string; scenario: string; status: string }, overdueSince: string, expected: Expected, time: string): TrackerEvent => ({
  id: ulid(),
  type: 'ThreadOverdue',
  time,
  threadId: thread.id,
  scenario: thread.scenario,
  status: thread.status,
  overdueSince,
  expected,
});
