import '../zod-setup';
import * as z from 'zod/mini';
import { slug, text } from '../schema-basics';
import { PRECISIONS } from '../time';
import { LIMITS, SOURCE_INTERVAL } from '../limits';
import { FETCH_ERRORS, SOURCE_STATUSES } from '../sources';
import { INBOX_STATES } from '../inbox';
import { httpUrl, limit, nextToken, nullableString, occurredAt, quotes, statusName, time } from './fields';

/**
 * The news inbox and its sources (contract 1.2, "Sources and the news inbox").
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

// ---- The news inbox (contract 1.2, "Sources and the news inbox") ----

export const languageCode = z
  .string()
  .check(z.regex(/^[a-z]{2}$/, 'must be an ISO 639-1 language code: two lower-case letters'));

/** `POST /inbox`: an entry pushed by a wire service or a mail bridge. */
export const CreateInboxItemSchema = z.strictObject({
  scenario: slug,
  url: httpUrl,
  title: text(1, LIMITS.title),
  summary: z.optional(text(0, LIMITS.summary)),
  publishedAt: z.optional(time),
  language: z.optional(languageCode),
});
export type CreateInboxItemInput = z.output<typeof CreateInboxItemSchema>;

export const InboxQuerySchema = z.strictObject({
  scenario: slug,
  state: z.optional(z.enum(INBOX_STATES)),
  threadId: z.optional(slug),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

/** `POST /inbox/{id}/accept`: what the update differs in from the item's suggestion. */
export const AcceptInboxItemSchema = z.strictObject({
  threadId: slug,
  status: z.optional(z.nullable(statusName)),
  occurredAt: z.optional(occurredAt),
  summary: z.optional(text(1, LIMITS.summary)),
  quotes,
  // Contract 1.2, "Drafts": accepting may create a draft (held back for a second editor).
  draft: z.optional(z.boolean()),
});
export type AcceptInboxItemInput = z.output<typeof AcceptInboxItemSchema>;

export const DismissInboxItemSchema = z.strictObject({ reason: z.optional(text(1, LIMITS.reason)) });

export const InboxMatchSchema = z.object({
  threadId: z.string(),
  score: z.number(),
  suggestedStatus: nullableString,
  suggestedOccurredAt: nullableString,
  suggestedPrecision: z.nullable(z.enum(PRECISIONS)),
});

export const InboxItemSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  source: nullableString,
  url: z.string(),
  title: z.string(),
  summary: z.string(),
  language: nullableString,
  publishedAt: nullableString,
  firstSeenAt: z.string(),
  outlet: nullableString,
  duplicates: z.array(z.string()),
  matches: z.array(InboxMatchSchema),
  state: z.enum(INBOX_STATES),
  decidedAt: nullableString,
  decidedBy: nullableString,
  updateId: nullableString,
});

// ---- News sources (contract 1.2, "Sources and the news inbox") -------------------------------

export const intervalMessage = `must be an integer from ${SOURCE_INTERVAL.min} to ${SOURCE_INTERVAL.max} (minutes)`;
export const intervalMinutes = z
  .int(intervalMessage)
  .check(z.gte(SOURCE_INTERVAL.min, intervalMessage), z.lte(SOURCE_INTERVAL.max, intervalMessage));
// Not nullable: `null` for an optional body field is 400 (contract 1.0, Conventions); a source
// without a title is one made without it.
export const sourceTitle = text(1, LIMITS.title);

/** `POST /sources`. The URL is checked after parsing (the outbound-address rules): 422 invalid_source_url. */
export const CreateNewsSourceSchema = z.strictObject({
  scenario: slug,
  // Any text here: the scheme is one of the outbound-address rules, refused with their 422.
  url: text(1, LIMITS.urlLength),
  title: z.optional(sourceTitle),
  language: z.optional(languageCode),
  intervalMinutes: z.optional(intervalMinutes),
});
export type CreateSourceInput = z.output<typeof CreateNewsSourceSchema>;

/** `PATCH /sources/{id}`: any of title, interval, status. */
export const PatchNewsSourceSchema = z
  .strictObject({
    title: z.optional(sourceTitle),
    intervalMinutes: z.optional(intervalMinutes),
    status: z.optional(z.enum(SOURCE_STATUSES)),
  })
  .check(
    z.refine(
      (b) => b.title !== undefined || b.intervalMinutes !== undefined || b.status !== undefined,
      'give at least one of title, intervalMinutes, status',
    ),
  );
export type PatchSourceInput = z.output<typeof PatchNewsSourceSchema>;

export const SourcesQuerySchema = z.strictObject({ scenario: slug });

export const fetchResult = z.union([z.int(), z.enum(FETCH_ERRORS)]);

export const NewsSourceSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  url: z.string(),
  title: nullableString,
  language: nullableString,
  intervalMinutes: z.int(),
  status: z.enum(SOURCE_STATUSES),
  createdAt: z.string(),
  lastFetchedAt: nullableString,
  lastResult: z.nullable(fetchResult),
  nextFetchAt: z.string(),
  failures: z.int(),
});

export const FetchReportSchema = z.object({
  fetchedAt: z.string(),
  result: fetchResult,
  newItems: z.int(),
});
