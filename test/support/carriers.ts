import { ulid } from 'ulid';
import { touchedChange } from '../../shared/domain/changes';
import type { Thread } from '../../shared/domain/types';
import { outboxItems } from '../../shared/store/outbox-store';

/**
 * The changes feed's carrier of one write of a thread at `at`, as a test seeds it beside an item it
 * writes directly: its TOUCHED mark, and an SK of exactly that time (the events' own id factory is
 * monotonic, so seeding past times out of order through it would give them later ones).
 */
export const carrierAt = (thread: Pick<Thread, 'id' | 'scenario'>, at: string): Record<string, unknown> => ({
  ...outboxItems([], [touchedChange(thread, { by: 'seed', at })], Date.now())[0]!,
  SK: ulid(Date.parse(at)),
});
