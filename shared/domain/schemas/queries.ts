import '../zod-setup';
import * as z from 'zod/mini';
import { NAME, NAME_MESSAGE } from '../kinds';
import { slug, text } from '../schema-basics';
import { CURSOR } from '../changes';
import { cutTime, kindName, limit, nextToken, sinceTime } from './fields';

/**
 * The query strings of threads-read's routes.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

// Query schemas are strict: a misspelt parameter (`?staus=held`) is 400 naming it, not a filter
// silently dropped that returns everything.
export const ListThreadsQuerySchema = z.strictObject({
  scenario: z.optional(slug),
  kind: z.optional(kindName),
  // Checked against every status of every kind (the registry) by the handler.
  status: z.optional(
    z
      .string()
      .check(z.regex(NAME, NAME_MESSAGE))
      .register(z.globalRegistry, { description: 'A status of some kind: see GET /kinds' }),
  ),
  stale: z.optional(z.enum(['true', 'false'])),
  overdue: z.optional(z.enum(['true', 'false'])),
  parent: z.optional(slug),
  archived: z.optional(z.enum(['false', 'true', 'any'])),
  updatedSince: z.optional(sinceTime),
  // A board (contract 1.1): the scenario's threads as they stood then; `scenario` is required with these.
  asOf: z.optional(cutTime),
  knownAt: z.optional(cutTime),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
  // Contract 1.2: claims by party and corroboration.
  disputed: z.optional(z.enum(['true', 'false'])),
  corroborated: z.optional(z.enum(['true', 'false'])),
});

/** `GET /scenarios/{id}/timeline`. */
export const TimelineQuerySchema = z.strictObject({
  knownAt: z.optional(cutTime),
  // Contract 1.2 "Key events": only key events (status changes or not).
  key: z.optional(z.enum(['true', 'false'])),
  archived: z.optional(z.enum(['false', 'true', 'any'])),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

// ---- The changes feed (contract 1.2, "What changed since") ----

/** `since`: a cursor the feed handed out, or a time (a period means its start). */
export const changesSince = z.union([
  z
    .string()
    .check(z.regex(CURSOR), z.describe('A cursor from the feed: the changes recorded after that one')),
  sinceTime,
]);

/** `GET /scenarios/{id}/changes`, `GET /changes`. */
export const ChangesQuerySchema = z.strictObject({
  since: changesSince,
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

export const ListScenariosQuerySchema = z.strictObject({
  tag: z.optional(slug),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

export const PageQuerySchema = z.strictObject({ limit: z.optional(limit), nextToken: z.optional(nextToken) });

// ---- Drafts (contract 1.2 "Drafts"): queries ----

/** `GET /threads/{id}/updates`: `drafts=true` lists the thread's drafts instead (editor). */
export const ListUpdatesQuerySchema = z.strictObject({
  drafts: z.optional(z.enum(['true', 'false'])),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

/** `GET /drafts?scenario=`: a scenario's drafts queue. */
export const DraftsQuerySchema = z.strictObject({
  scenario: slug,
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

export const HistoryQuerySchema = z.strictObject({ asOf: z.optional(cutTime), knownAt: z.optional(cutTime) });

// ---- Search (contract 1.2, "Search") ----

/** `GET /search`'s query: 1–200 characters holding at least one word (a letter or digit of any script). */
export const SearchQuerySchema = z.strictObject({
  q: text(1, 200).check(
    z.refine((s: string) => /[\p{L}\p{N}]/u.test(s), { message: 'must hold at least one word' }),
  ),
  scenario: z.optional(slug),
  drafts: z.optional(z.enum(['false', 'true'])),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});
