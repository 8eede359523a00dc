/**
 * Key layout of the single table (see docs/data-model.md). Every key the code writes or queries
 * is built here, so the layout is readable in one place.
 */
export const INDEX = {
  /** Threads of one scenario, by id. */
  byScenario: 'GSI1',
  /** Every thread, by id. */
  allThreads: 'GSI2',
  /** Sparse: only watched (non-terminal, not yet stale) threads, by due time. */
  byDue: 'GSI3',
  /** Local index: a thread's updates by occurred time, then recorded time. */
  byOccurred: 'LSI1',
} as const;

export const THREAD_SK = '#THREAD';
export const UPDATE_PREFIX = 'UPDATE#';
export const ALL_THREADS_PK = 'THREADS';
export const DUE_PK = 'DUE';
export const OUTBOX_PK = 'OUTBOX';
export const TOKENS_PK = 'TOKENS';

export const threadPk = (threadId: string) => `THREAD#${threadId}`;
export const threadKey = (threadId: string) => ({ PK: threadPk(threadId), SK: THREAD_SK });
export const updateKey = (threadId: string, updateId: string) => ({ PK: threadPk(threadId), SK: `${UPDATE_PREFIX}${updateId}` });
export const scenarioPk = (scenario: string) => `SCENARIO#${scenario}`;
export const idempotencyKey = (hash: string) => ({ PK: `IDEMPOTENCY#${hash}`, SK: '#IDEMPOTENCY' });
export const tokenHashKey = (hash: string) => ({ PK: `TOKEN#${hash}`, SK: '#TOKEN' });
export const tokenNameKey = (name: string) => ({ PK: TOKENS_PK, SK: `NAME#${name}` });
/** Change counters behind cheap list revalidation: one per scenario and one for all threads. */
export const CHANGES_PK = 'CHANGES';
export const changesKey = (scenario: string | null) => ({ PK: CHANGES_PK, SK: scenario === null ? 'ALL' : `SCENARIO#${scenario}` });
export const outboxKey = (eventId: string) => ({ PK: OUTBOX_PK, SK: eventId });
