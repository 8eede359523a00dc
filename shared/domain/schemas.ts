import { z } from 'zod';
import { ALL_STATUSES, KIND_NAMES } from './kinds';
import { ValidationError, type FieldProblem } from './errors';
import { parseRfc3339, toUtc } from './time';
import { ROLES } from './types';
import { LIMITS, SLUG, ULID } from './limits';

/**
 * Request and response schemas. Handlers validate with them and `docs/openapi.json` is generated
 * from them, so the document cannot drift from what the code accepts.
 */

export { LIMITS, SLUG, ULID };

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** A string of well-formed Unicode whose length, in code points, lies within bounds. */
export const text = (min: number, max: number) =>
  z
    .string()
    .refine((s) => s.isWellFormed(), { message: 'must be well-formed Unicode (no lone surrogates)', abort: true })
    .refine((s) => codePoints(s) >= min, { message: min === 1 ? 'must not be empty' : `must be at least ${min} characters` })
    .refine((s) => codePoints(s) <= max, { message: `must be at most ${max} characters` })
    .meta({ minLength: min, maxLength: max });

export const slug = z.string().regex(SLUG, 'must be a slug: lower-case letters, digits and inner hyphens, 1–64 characters');

/** An RFC 3339 time with a zone, normalised to UTC with milliseconds. */
export const time = z
  .string()
  .transform((value, ctx) => {
    const date = parseRfc3339(value);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: 'must be an RFC 3339 date-time with a time zone' });
      return z.NEVER;
    }
    return toUtc(date);
  })
  .meta({ format: 'date-time' });

const occurredAt = time.refine((t) => t >= LIMITS.earliestOccurredAt, { message: 'must not be before 1900-01-01' }).refine(
  (t) => Date.parse(t) <= Date.now() + LIMITS.futureSkewMs,
  { message: 'must not be more than 5 minutes in the future' },
);

const httpUrl = text(1, LIMITS.urlLength).refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && /^https?:\/\//i.test(s);
    } catch {
      return false;
    }
  },
  { message: 'must be an http or https URL' },
);

export const SourceSchema = z.strictObject({
  url: httpUrl,
  title: text(0, LIMITS.sourceText).optional(),
  publisher: text(0, LIMITS.sourceText).optional(),
  publishedAt: time.optional(),
});

export const QuoteSchema = z.strictObject({
  speaker: text(1, LIMITS.speaker),
  text: text(1, LIMITS.quoteText),
});

const staleAfterHours = z.number().int().min(LIMITS.staleAfterHours.min).max(LIMITS.staleAfterHours.max);
/** A status is checked against the thread's kind later (422), so here it only has to be a short string. */
const statusName = text(1, 64);

export const CreateThreadSchema = z.strictObject({
  id: slug,
  scenario: slug,
  kind: z.enum(KIND_NAMES),
  title: text(1, LIMITS.title),
  status: statusName,
  summary: text(1, LIMITS.summary),
  occurredAt: occurredAt.optional(),
  sources: z.array(SourceSchema).max(LIMITS.sources).optional(),
  quotes: z.array(QuoteSchema).max(LIMITS.quotes).optional(),
  staleAfterHours: staleAfterHours.optional(),
});
export type CreateThreadInput = z.output<typeof CreateThreadSchema>;

export const PatchThreadSchema = z
  .strictObject({ title: text(1, LIMITS.title).optional(), staleAfterHours: staleAfterHours.optional() })
  .refine((b) => b.title !== undefined || b.staleAfterHours !== undefined, { message: 'give at least one of title, staleAfterHours' });
export type PatchThreadInput = z.output<typeof PatchThreadSchema>;

export const CreateUpdateSchema = z.strictObject({
  status: statusName.nullable().optional(),
  summary: text(1, LIMITS.summary),
  occurredAt: occurredAt.optional(),
  sources: z.array(SourceSchema).max(LIMITS.sources).optional(),
  quotes: z.array(QuoteSchema).max(LIMITS.quotes).optional(),
});
export type CreateUpdateInput = z.output<typeof CreateUpdateSchema>;

export const RetractionSchema = z.strictObject({ reason: text(1, LIMITS.reason) });

export const CreateTokenSchema = z.strictObject({ name: slug, role: z.enum(ROLES as ['reader', 'editor', 'admin']) });

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'must be an integer from 1 to 100')
  .transform(Number)
  .refine((n) => n >= LIMITS.pageSize.min && n <= LIMITS.pageSize.max, { message: 'must be an integer from 1 to 100' });

export const ListThreadsQuerySchema = z.object({
  scenario: slug.optional(),
  kind: z.enum(KIND_NAMES).optional(),
  status: z.enum(ALL_STATUSES as [string, ...string[]]).optional(),
  stale: z.enum(['true', 'false']).optional(),
  updatedSince: time.optional(),
  limit: limit.optional(),
  nextToken: z.string().max(2048).optional(),
});
export type ListThreadsQuery = z.output<typeof ListThreadsQuerySchema>;

export const PageQuerySchema = z.object({ limit: limit.optional(), nextToken: z.string().max(2048).optional() });

export const HistoryQuerySchema = z.object({ asOf: time.optional(), knownAt: time.optional() });

// ---- Responses (documentation and tests; handlers build them from the domain types) ----

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
  updateCount: z.number().int(),
  version: z.number().int(),
  staleAfterHours: z.number().int(),
  stale: z.boolean(),
  staleSince: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  asOf: z.string().optional(),
  knownAt: z.string().optional(),
});

export const UpdateSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  status: z.string().nullable(),
  summary: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  postedBy: z.string(),
  sources: z.array(z.object({ url: z.string(), title: z.string().optional(), publisher: z.string().optional(), publishedAt: z.string().optional() })),
  quotes: z.array(z.object({ speaker: z.string(), text: z.string() })),
  retracted: z.boolean(),
  retraction: z.object({ reason: z.string(), retractedAt: z.string(), retractedBy: z.string() }).nullable(),
});

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
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

export function toFieldProblems(error: z.ZodError, input: unknown): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    const where = formatPath(path) || '(body)';
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_type') {
      const value = valueAt(input, path);
      const message = value === undefined && path.length > 0 ? 'is required' : value === null ? 'must not be null' : `must be ${issue.expected === 'object' ? 'a JSON object' : issue.expected}`;
      problems.push({ path: where, message });
    } else {
      problems.push({ path: where, message: issue.message });
    }
  }
  return problems;
}

/** Parse or throw a ValidationError that names every offending field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = toFieldProblems(result.error, input);
  throw new ValidationError(`${what} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}
