import { isTerminal } from '../domain/kinds';
import { addHours } from '../domain/time';
import type { Thread, Update } from '../domain/types';
import { ALL_THREADS_PK, DUE_PK, scenarioPk, threadKey, updateKey } from './keys';

/** Fields of the Thread object, in the contract's order: also the order of a response body. */
const THREAD_FIELDS = [
  'id', 'scenario', 'kind', 'title', 'status', 'statusSince', 'summary', 'lastOccurredAt', 'lastRecordedAt',
  'updateCount', 'version', 'staleAfterHours', 'stale', 'staleSince', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof Thread)[];

const UPDATE_FIELDS = [
  'id', 'threadId', 'status', 'summary', 'occurredAt', 'recordedAt', 'postedBy', 'sources', 'quotes', 'retracted', 'retraction',
] as const satisfies readonly (keyof Update)[];

const pick = <T>(item: Record<string, unknown>, fields: readonly string[]): T =>
  Object.fromEntries(fields.map((f) => [f, item[f]])) as T;

export const toThread = (item: Record<string, unknown>): Thread => pick<Thread>(item, THREAD_FIELDS);
export const toUpdate = (item: Record<string, unknown>): Update => pick<Update>(item, UPDATE_FIELDS);

/**
 * When the stale check should next look at a thread, or undefined when it should not: a thread in a
 * terminal status is not watched, and a stale one has already been flagged for this episode.
 */
export const dueAt = (thread: Thread): string | undefined =>
  thread.stale || isTerminal(thread.kind, thread.status) ? undefined : addHours(thread.lastRecordedAt, thread.staleAfterHours);

export function threadItem(thread: Thread): Record<string, unknown> {
  const due = dueAt(thread);
  return {
    ...threadKey(thread.id),
    ...pick<Thread>(thread as unknown as Record<string, unknown>, THREAD_FIELDS),
    GSI1PK: scenarioPk(thread.scenario),
    GSI1SK: thread.id,
    GSI2PK: ALL_THREADS_PK,
    GSI2SK: thread.id,
    // Sparse index: the attributes exist only while the thread is watched.
    ...(due ? { GSI3PK: DUE_PK, GSI3SK: `${due}#${thread.id}` } : {}),
  };
}

export function updateItem(update: Update): Record<string, unknown> {
  return {
    ...updateKey(update.threadId, update.id),
    ...pick<Update>(update as unknown as Record<string, unknown>, UPDATE_FIELDS),
    // Occurred time, then the ULID (which encodes the recorded time): newest-first listing order.
    LSI1SK: `${update.occurredAt}#${update.id}`,
  };
}
