import * as z from 'zod/mini';
import { ALL_STATUSES, KIND_NAMES } from './kinds';
import { ValidationError, type FieldProblem } from './errors';
import { parseRfc3339, parseRfc3339AnyYear, toUtc, UTC_RANGE_MESSAGE } from './time';
import { ROLES } from './types';
import { EVENT_TYPES, type TrackerEventType } from './event-types';
import { LIMITS, SLUG, ULID } from './limits';

/**
 * Request and response schemas. Handlers validate with them and `docs/openapi.json` is generated
 * from them, so the document cannot drift from what the code accepts.
 *
 * Written with `zod/mini`: the same zod 4 engine in a tree-shakable form, about a tenth of the
 * classic build in each function bundle (cold start: see docs/benchmarks.md). Messages are ours
 * (see `messageFor`), not zod's locale.
 */

export { LIMITS, SLUG, ULID };

export type Schema = z.ZodMiniType;

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Nothing a reader could see: white space, control and format characters (zero-width space, BOM, …). */
const BLANK = /^[\p{White_Space}\p{Cc}\p{Cf}]*$/u;
export const isBlank = (s: string): boolean => BLANK.test(s);

/**
 * A string of well-formed Unicode whose length, in code points, lies within bounds. A required text
 * (min ≥ 1) must also hold something visible: `"   "` is as empty as `""` to a reader.
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .check(
      z.refine((s: string) => s.isWellFormed(), { message: 'must be well-formed Unicode (no lone surrogates)', abort: true }),
      z.refine((s: string) => codePoints(s) >= min, { message: min === 1 ? 'must not be empty' : `must be at least ${min} characters`, abort: true }),
      z.refine((s: string) => min === 0 || !isBlank(s), { message: 'must not be blank (only white space or invisible characters)' }),
      z.refine((s: string) => codePoints(s) <= max, { message: `must be at most ${max} characters` }),
    )
    .register(z.globalRegistry, { minLength: min, maxLength: max });

export const slug = z.string().check(z.regex(SLUG, 'must be a slug: lower-case letters, digits and inner hyphens, 1–64 characters'));

/** An RFC 3339 time with a zone whose UTC value lies in years 0001–9999, normalised to UTC with milliseconds. */
export const time = z
  .pipe(
    z.string().check(
      z.refine((v: string) => parseRfc3339AnyYear(v) !== null, { message: 'must be an RFC 3339 date-time with a time zone', abort: true }),
      z.refine((v: string) => parseRfc3339(v) !== null, UTC_RANGE_MESSAGE),
    ),
    z.transform((v: string) => toUtc(parseRfc3339(v)!)),
  )
  .register(z.globalRegistry, { type: 'string', format: 'date-time' });

const occurredAt = z.pipe(
  time,
  z.string().check(
    z.refine((t: string) => t >= LIMITS.earliestOccurredAt, 'must not be before 1900-01-01'),
    z.refine((t: string) => Date.parse(t) <= Date.now() + LIMITS.futureSkewMs, 'must not be more than 5 minutes in the future'),
  ),
);

const httpUrl = text(1, LIMITS.urlLength).check(
  z.refine((s: string) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && /^https?:\/\//i.test(s);
    } catch {
      return false;
    }
  }, 'must be an http or https URL'),
);

export const SourceSchema = z.strictObject({
  url: httpUrl,
  title: z.optional(text(0, LIMITS.sourceText)),
  publisher: z.optional(text(0, LIMITS.sourceText)),
  publishedAt: z.optional(time),
});

export const QuoteSchema = z.strictObject({
  speaker: text(1, LIMITS.speaker),
  text: text(1, LIMITS.quoteText),
});

const staleAfterHours = z.int().check(z.gte(LIMITS.staleAfterHours.min), z.lte(LIMITS.staleAfterHours.max));
/** A status is checked against the thread's kind later (422), so here it only has to be a short string. */
const statusName = text(1, 64);
const sources = z.optional(z.array(SourceSchema).check(z.maxLength(LIMITS.sources)));
const quotes = z.optional(z.array(QuoteSchema).check(z.maxLength(LIMITS.quotes)));

export const CreateThreadSchema = z.strictObject({
  id: slug,
  scenario: slug,
  kind: z.enum(KIND_NAMES),
  title: text(1, LIMITS.title),
  status: statusName,
  summary: text(1, LIMITS.summary),
  occurredAt: z.optional(occurredAt),
  sources,
  quotes,
  staleAfterHours: z.optional(staleAfterHours),
});
export type CreateThreadInput = z.output<typeof CreateThreadSchema>;

export const PatchThreadSchema = z
  .strictObject({ title: z.optional(text(1, LIMITS.title)), staleAfterHours: z.optional(staleAfterHours) })
  .check(z.refine((b) => b.title !== undefined || b.staleAfterHours !== undefined, 'give at least one of title, staleAfterHours'));
export type PatchThreadInput = z.output<typeof PatchThreadSchema>;

export const CreateUpdateSchema = z.strictObject({
  status: z.optional(z.nullable(statusName)),
  summary: text(1, LIMITS.summary),
  occurredAt: z.optional(occurredAt),
  sources,
  quotes,
});
export type CreateUpdateInput = z.output<typeof CreateUpdateSchema>;

export const RetractionSchema = z.strictObject({ reason: text(1, LIMITS.reason) });

export const CreateTokenSchema = z.strictObject({ name: slug, role: z.enum(ROLES as ['reader', 'editor', 'admin']) });

/** Event types a subscription may ask for; repeats are dropped, the contract's order kept. */
const eventTypes = z.pipe(
  z.array(z.enum(EVENT_TYPES)).check(z.minLength(1, 'must name at least one event type'), z.maxLength(EVENT_TYPES.length * 2)),
  z.transform((list: TrackerEventType[]) => EVENT_TYPES.filter((t) => list.includes(t))),
);
const subscriptionDescription = z.nullable(text(0, LIMITS.subscriptionDescription));

/** The URL is checked after parsing (http/https, and the private-address rules): 422 invalid_subscription_url. */
export const CreateSubscriptionSchema = z.strictObject({
  url: text(1, LIMITS.urlLength),
  events: z.optional(eventTypes),
  scenario: z.optional(z.nullable(slug)),
  threadId: z.optional(z.nullable(slug)),
  description: z.optional(subscriptionDescription),
});
export type CreateSubscriptionInput = z.output<typeof CreateSubscriptionSchema>;

export const PatchSubscriptionSchema = z
  .strictObject({ status: z.optional(z.enum(['active', 'paused'])), events: z.optional(eventTypes), description: z.optional(subscriptionDescription) })
  .check(z.refine((b) => b.status !== undefined || b.events !== undefined || b.description !== undefined, 'give at least one of status, events, description'));
export type PatchSubscriptionInput = z.output<typeof PatchSubscriptionSchema>;

const LIMIT_MESSAGE = 'must be an integer from 1 to 100';
const limit = z.pipe(
  z.pipe(z.string().check(z.regex(/^\d{1,3}$/, LIMIT_MESSAGE)), z.transform(Number)),
  z.number().check(z.gte(LIMITS.pageSize.min, LIMIT_MESSAGE), z.lte(LIMITS.pageSize.max, LIMIT_MESSAGE)),
);
const nextToken = z.string().check(z.maxLength(2048));

// Query schemas are strict: a misspelt parameter (`?staus=held`) is 400 naming it, not a filter
// silently dropped that returns everything.
export const ListThreadsQuerySchema = z.strictObject({
  scenario: z.optional(slug),
  kind: z.optional(z.enum(KIND_NAMES)),
  status: z.optional(z.enum(ALL_STATUSES as [string, ...string[]])),
  stale: z.optional(z.enum(['true', 'false'])),
  updatedSince: z.optional(time),
  limit: z.optional(limit),
  nextToken: z.optional(nextToken),
});

export const PageQuerySchema = z.strictObject({ limit: z.optional(limit), nextToken: z.optional(nextToken) });

export const HistoryQuerySchema = z.strictObject({ asOf: z.optional(time), knownAt: z.optional(time) });

// ---- Responses (documentation and tests; handlers build them from the domain types) ----

const nullableString = z.nullable(z.string());

export const ThreadSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  kind: z.enum(KIND_NAMES),
  title: z.string(),
  status: z.string(),
  statusSince: z.string(),
  summary: z.string(),
  lastOccurredAt: z.string(),
  lastRecordedAt: z.string(),
  updateCount: z.int(),
  version: z.int(),
  staleAfterHours: z.int(),
  stale: z.boolean(),
  staleSince: nullableString,
  createdAt: z.string(),
  updatedAt: z.string(),
  asOf: z.optional(z.string()),
  knownAt: z.optional(z.string()),
});

export const UpdateSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  status: nullableString,
  summary: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  postedBy: z.string(),
  sources: z.array(z.object({ url: z.string(), title: z.optional(z.string()), publisher: z.optional(z.string()), publishedAt: z.optional(z.string()) })),
  quotes: z.array(z.object({ speaker: z.string(), text: z.string() })),
  retracted: z.boolean(),
  retraction: z.nullable(z.object({ reason: z.string(), retractedAt: z.string(), retractedBy: z.string() })),
});

export const SubscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(EVENT_TYPES)),
  scenario: nullableString,
  threadId: nullableString,
  description: nullableString,
  status: z.enum(['active', 'paused', 'disabled']),
  createdAt: z.string(),
});

export const DeliveryAttemptSchema = z.object({
  eventId: z.string(),
  type: z.enum(EVENT_TYPES),
  attempt: z.int(),
  attemptedAt: z.string(),
  responseStatus: z.nullable(z.int()),
  error: nullableString,
  delivered: z.boolean(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});

// ---- Turning zod issues into the contract's field problems ----

/** `['sources', 0, 'url']` → `sources[0].url`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown => {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
};

const DEFAULT_MESSAGE = 'Invalid input';

/** Our wording for zod's issue codes; a message set on a check wins. */
function messageFor(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.message && issue.message !== DEFAULT_MESSAGE) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      const value = valueAt(input, issue.path);
      if (value === undefined && issue.path.length > 0) return 'is required';
      if (value === null) return 'must not be null';
      return `must be ${issue.expected === 'object' ? 'a JSON object' : issue.expected === 'int' ? 'an integer' : issue.expected}`;
    }
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${issue.minimum} items` : issue.origin === 'string' ? `must be at least ${issue.minimum} characters` : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `must have at most ${issue.maximum} items` : issue.origin === 'string' ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_format':
      return `is not a valid ${issue.format}`;
    default:
      return 'is not valid';
  }
}

export function toFieldProblems(error: z.core.$ZodError, input: unknown, unknownKey = 'unknown field'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: unknownKey });
    } else {
      problems.push({ path: formatPath(issue.path) || '(body)', message: messageFor(issue, input) });
    }
  }
  return problems;
}

/** Parse or throw a ValidationError that names every offending field. */
export function parseWith<S extends Schema>(schema: S, input: unknown, what: string, unknownKey?: string): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const errors = toFieldProblems(result.error, input, unknownKey);
  throw new ValidationError(`${what} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}

/** A query string against its (strict) schema: an unknown parameter is named as such. */
export const parseQuery = <S extends Schema>(schema: S, query: Record<string, string>): z.output<S> =>
  parseWith(schema, query, 'The query', 'is not a known query parameter');
