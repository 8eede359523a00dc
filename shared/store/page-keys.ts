import '../domain/zod-setup';
import * as z from 'zod/mini';
import { SLUG, ULID } from '../domain/limits';
import { CURSOR } from '../domain/changes';
import {
  DRAFT_PREFIX,
  INBOX_PREFIX,
  INBOX_SK,
  UPDATE_PREFIX,
  draftsScope,
  inboxStatePk,
  threadPk,
} from './keys';

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
    .check(
      z.refine(
        (k) => k.LSI1SK.endsWith(`#${k.SK.slice(UPDATE_PREFIX.length)}`),
        'LSI1SK names another update',
      ),
    );

/**
 * `GET /threads`: the id to resume after (listThreads merges index shards in id order, so one id is
 * the whole position). The token is signed, but its shape is still checked like any input.
 */
export const threadsPageKey = z.strictObject({ after: z.string().check(z.regex(new RegExp(`^${slug}$`))) });

/** `GET /scenarios`: the scenario id to resume after (a tag filter keeps the same position). */
export const scenariosPageKey = z.strictObject({ after: z.string().check(z.regex(new RegExp(`^${slug}$`))) });

/**
 * `GET /scenarios/{id}/timeline`: the last change handed out (the timeline is ordered by occurred
 * time, thread id, update id, so these three resume every thread's window exactly).
 */
export const timelinePageKey = z.strictObject({
  occurredAt: z.string().check(z.regex(new RegExp(`^${utcMillis}$`))),
  threadId: z.string().check(z.regex(new RegExp(`^${slug}$`))),
  updateId: z.string().check(z.regex(new RegExp(`^${ulid}$`))),
});
export type TimelinePosition = z.output<typeof timelinePageKey>;

// ---- Drafts (contract 1.2 "Drafts") ----

/** `GET /threads/{id}/updates?drafts=true`: the key of one of this thread's drafts. */
export const threadDraftsPageKey = (threadId: string) =>
  z.strictObject({
    PK: z.literal(threadPk(threadId)),
    SK: z.string().check(z.regex(new RegExp(`^${DRAFT_PREFIX}${ulid}$`))),
  });

/** `GET /drafts?scenario=`: a draft's keys in this scenario's drafts scope of GSI1. */
export const scenarioDraftsPageKey = (scenario: string) =>
  z.strictObject({
    PK: z.string().check(z.regex(new RegExp(`^THREAD#${slug}$`))),
    SK: z.string().check(z.regex(new RegExp(`^${DRAFT_PREFIX}${ulid}$`))),
    GSI1PK: z.literal(draftsScope(scenario)),
    GSI1SK: z.string().check(z.regex(new RegExp(`^${ulid}$`))),
  });

/** The changes feed: the cursor of the last change handed out (the feed is ordered by cursor). */
export const changesPageKey = z.strictObject({ after: z.string().check(z.regex(CURSOR)) });

/**
 * `GET /search`: the last result handed out, its score (a whole number: shared/domain/search-rank.ts)
 * and its rank key (shared/app/search.ts: `<thread>#<update or empty>` in a scenario,
 * `<scenario>#<thread>#<update or empty>` across scenarios), and the words' weights the first page
 * ranked with; the next page is what ranks after it, with those weights. A token of a search across
 * scenarios from before its rank key named the scenario does not fit: a 400, not a misplaced page.
 */
export const searchPageKey = (scenario: string | undefined) =>
  z.strictObject({
    score: z.number().check(z.int(), z.gte(0), z.lte(1e9)),
    key: z
      .string()
      .check(
        z.minLength(2),
        z.maxLength(300),
        z.regex(scenario === undefined ? /^[^#]+#[^#]+#[^#]*$/ : /^[^#]+#[^#]*$/),
      ),
    /** The first page's word weights, one per word searched (at most 8). */
    weights: z
      .array(z.number().check(z.int(), z.gte(0), z.lte(100_000)))
      .check(z.minLength(1), z.maxLength(8)),
  });

/** `GET /inbox`: the GSI1 key of one of this scenario's items in this state (InboxStore.list). */
export const inboxPageKey = (scenario: string, state: string) => {
  const id = `inb_${ulid}`;
  return z
    .strictObject({
      PK: z.string().check(z.regex(new RegExp(`^${INBOX_PREFIX}${id}$`))),
      SK: z.literal(INBOX_SK),
      GSI1PK: z.literal(inboxStatePk(scenario, state)),
      GSI1SK: z.string().check(z.regex(new RegExp(`^${id}$`))),
    })
    .check(z.refine((k) => k.PK === `${INBOX_PREFIX}${k.GSI1SK}`, 'GSI1SK names another item'));
};
