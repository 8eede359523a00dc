import * as z from 'zod/mini';
import { SLUG, ULID } from '../domain/limits';
import { ALL_THREADS_PK, THREAD_SK, UPDATE_PREFIX, scenarioPk, threadPk } from './keys';

/**
 * The resume keys each paging Query hands out, as schemas a page token must match before its key
 * reaches DynamoDB (see page-token.ts). Each is built for the resource asked for, so a key pointing
 * into another thread's partition or another scenario's index partition is refused, not followed.
 */

const ulid = ULID.source.slice(1, -1);
const slug = SLUG.source.slice(1, -1);
const utcMillis = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

/** `GET /threads/{id}/updates`: the LSI1 key of one of this thread's updates (listUpdates). */
export const updatesPageKey = (threadId: string) =>
  z
    .strictObject({
      PK: z.literal(threadPk(threadId)),
      SK: z.string().check(z.regex(new RegExp(`^${UPDATE_PREFIX}${ulid}$`))),
      LSI1SK: z.string().check(z.regex(new RegExp(`^${utcMillis}#${ulid}$`))),
    })
    .check(z.refine((k) => k.LSI1SK.endsWith(`#${k.SK.slice(UPDATE_PREFIX.length)}`), 'LSI1SK names another update'));

/**
 * `GET /threads`: the key of a thread item in the scenario index (GSI1) when a scenario is asked
 * for, in the all-threads index (GSI2) otherwise (listThreads).
 */
export const threadsPageKey = (scenario: string | undefined) => {
  const pk = z.string().check(z.regex(new RegExp(`^${threadPk(`(${slug})`)}$`)));
  const id = z.string().check(z.regex(new RegExp(`^${slug}$`)));
  const samethread = (k: { PK: string; sortKey: string }) => k.PK === threadPk(k.sortKey);
  return scenario !== undefined
    ? z
        .strictObject({ PK: pk, SK: z.literal(THREAD_SK), GSI1PK: z.literal(scenarioPk(scenario)), GSI1SK: id })
        .check(z.refine((k) => samethread({ PK: k.PK, sortKey: k.GSI1SK }), 'GSI1SK names another thread'))
    : z
        .strictObject({ PK: pk, SK: z.literal(THREAD_SK), GSI2PK: z.literal(ALL_THREADS_PK), GSI2SK: id })
        .check(z.refine((k) => samethread({ PK: k.PK, sortKey: k.GSI2SK }), 'GSI2SK names another thread'));
};
