import '../zod-setup';
import * as z from 'zod/mini';
import { PRECISIONS } from '../time';
import { SourceOut, nullableString } from './fields';

/**
 * Public scenarios and embeds (contract 1.2).
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

// ---- Public scenarios and embeds (contract 1.2) ----------------------------------------------

export const PublicThreadFields = {
  id: z.string(),
  title: z.string(),
  kind: z.string(),
  status: z.string(),
  statusSince: z.string(),
  statusSincePrecision: z.enum(PRECISIONS),
  summary: z.string(),
  expected: z.nullable(z.object({ what: z.string(), at: z.string(), precision: z.enum(PRECISIONS) })),
  overdue: z.boolean(),
  /** Present once the claims part of contract 1.2 adds it to the thread view. */
  disputed: z.optional(z.boolean()),
  corroboration: z.optional(z.object({ outlets: z.array(z.string()), count: z.int() })),
};

export const PublicThreadSchema = z.object(PublicThreadFields);

export const PublicScenarioSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  updatedAt: z.string(),
  threads: z.array(PublicThreadSchema),
});

export const PublicThreadDetailSchema = z.object({
  ...PublicThreadFields,
  scenario: z.string(),
  keyEvents: z.array(
    z.object({
      id: z.string(),
      status: nullableString,
      summary: z.string(),
      occurredAt: z.string(),
      occurredPrecision: z.enum(PRECISIONS),
      sources: z.array(SourceOut),
    }),
  ),
});

export const dimension = z.string().check(z.regex(/^[1-9][0-9]{0,4}$/, 'must be a whole number of pixels'));

/** oEmbed 1.0 §2.2: `url` and `format`; `maxwidth`/`maxheight` are honoured as bounds. */
export const OEmbedQuerySchema = z.strictObject({
  url: z.string().check(z.maxLength(2000)),
  format: z.optional(z.enum(['json', 'xml'])),
  maxwidth: z.optional(dimension),
  maxheight: z.optional(dimension),
});

export const OEmbedSchema = z.object({
  version: z.literal('1.0'),
  type: z.literal('rich'),
  html: z.string(),
  width: z.int(),
  height: z.int(),
  title: z.string(),
  provider_name: z.string(),
  provider_url: z.string(),
  cache_age: z.int(),
});
