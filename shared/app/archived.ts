/**
 * The `archived` filter of lists, boards and the timeline: `false` (the default) leaves archived
 * threads out, `true` keeps only them, `any` keeps all. A thread item without the flag (written
 * before archiving existed) is not archived.
 */
export type ArchivedFilter = 'false' | 'true' | 'any';

export const isArchived = (thread: object): boolean => (thread as { archived?: unknown }).archived === true;

export const archivedMatches = (thread: object, filter: ArchivedFilter = 'false'): boolean =>
  filter === 'any' || isArchived(thread) === (filter === 'true');
