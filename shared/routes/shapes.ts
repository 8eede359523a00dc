import { NAME, NAME_MESSAGE } from '../domain/kinds';
import { INBOX_ITEM_ID, SLUG, SUBSCRIPTION_ID, ULID } from '../domain/limits';
import type { Schema } from '../domain/schema-basics';
import type { PathParam, ResponseBody } from './route';

/** Path parameters, answers and query descriptions that routes of several groups share. */

export const THREAD_ID: PathParam = { pattern: SLUG, notFound: (id) => `No thread ${id}.` };
/** Public routes say the same for a scenario that does not exist and one that is not public. */
export const PUBLIC_SCENARIO: PathParam = { pattern: SLUG, notFound: (id) => `No public scenario ${id}.` };
/**
 * `{threadId}.svg` as one path segment: API Gateway's path parameters are whole segments, so the
 * badge's route takes the file name and the handler strips `.svg`.
 */
export const BADGE_FILE: PathParam = {
  pattern: new RegExp(`${SLUG.source.slice(0, -1)}\\.svg$`),
  notFound: (file) => `No badge ${file}.`,
};
export const INBOX_ID: PathParam = { pattern: INBOX_ITEM_ID, notFound: (id) => `No inbox item ${id}.` };
export const UPDATE_ID: PathParam = {
  pattern: ULID,
  notFound: (updateId, params) => `Thread ${params.id} has no update ${updateId}.`,
};
export const SCENARIO_ID: PathParam = { pattern: SLUG, notFound: (id) => `No scenario ${id}.` };
export const TOKEN_NAME: PathParam = { pattern: SLUG, notFound: (name) => `No token named ${name}.` };
export const SUBSCRIPTION: PathParam = {
  pattern: SUBSCRIPTION_ID,
  notFound: (id) => `No subscription ${id}.`,
};
export const KIND_NAME: PathParam = { pattern: NAME, message: NAME_MESSAGE };

export const items =
  (item: Schema): ResponseBody =>
  (ref) => ({
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: ref(item) } },
  });
export const jsonSchema =
  (s: object): ResponseBody =>
  () =>
    s;
export const NEXT_TOKEN = 'Opaque; from the previous page';
/** A page of items of any of these schemas (drafts, contract 1.2: updates or drafts). */
export const pageOf =
  (...item: Schema[]): ResponseBody =>
  (ref) => ({
    type: 'object',
    required: ['items', 'nextToken'],
    properties: {
      items: { type: 'array', items: { oneOf: item.map(ref) } },
      nextToken: { type: ['string', 'null'] },
    },
  });

/** The changes feed's query and answer, the same for one scenario and for all. */
export const CHANGES_QUERY = {
  since:
    'Required: a time (the changes recorded strictly after it; a period means its start) or the cursor of the last change you read; at most 400 days back',
  nextToken: NEXT_TOKEN,
};
export const CHANGES_ANSWER =
  "Changes in the order the tracker recorded them, each with an increasing cursor; only those recorded at least the write budget plus 2 s ago (WRITE_RETRY_BUDGET_MS + 2000, 12 s as shipped), so that no change can still appear before a cursor handed out: store the last cursor and ask again with since=<cursor> to miss nothing. `by` is the token's name, null for the scheduled check; `moved` also names the scenario left (`previousScenario`, and it is in that scenario's feed too); `changed` names the fields (`fields`)";
