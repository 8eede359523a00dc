import '../zod-setup';
import * as z from 'zod/mini';
import { NAME, NAME_MESSAGE } from '../kinds';
import { text } from '../schema-basics';
import {
  PRECISIONS,
  parsePreciseTime,
  parsePreciseTimeAnyYear,
  parseRfc3339,
  parseRfc3339AnyYear,
  periodEnd,
  atPrecision,
  toUtc,
  UTC_RANGE_MESSAGE,
  type PreciseTime,
} from '../time';
import { type Expected } from '../types';
import { LIMITS } from '../limits';

/**
 * The building blocks the other schema modules share: times, sources and quotes, a thread's
 * fields, paging.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

/** An RFC 3339 time with a zone whose UTC value lies in years 0001–9999, normalised to UTC with milliseconds. */
export const time = z
  .pipe(
    z.string().check(
      z.refine((v: string) => parseRfc3339AnyYear(v) !== null, {
        message: 'must be an RFC 3339 date-time with a time zone',
        abort: true,
      }),
      z.refine((v: string) => parseRfc3339(v) !== null, UTC_RANGE_MESSAGE),
    ),
    z.transform((v: string) => toUtc(parseRfc3339(v)!)),
  )
  .register(z.globalRegistry, { type: 'string', format: 'date-time' });

/**
 * A time in any form the contract accepts where news gives it: RFC 3339 with a zone, or a UTC period
 * `YYYY-MM-DD`, `YYYY-MM`, `YYYY`. Parsed to the start of its period with its precision.
 */
export const PRECISE_TIME_MESSAGE =
  'must be an RFC 3339 date-time with a time zone, or a UTC date YYYY-MM-DD, YYYY-MM or YYYY';
/**
 * A time whose `+hh:mm` offset became a space: in a URL query an unencoded `+` means a space
 * (`?asOf=2025-05-16T12:00:00+03:00` arrives as `…00 03:00`), so the message says how to send it.
 */
export const PLUS_AS_SPACE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:\d{2}$/;

export const preciseTime = z
  .pipe(
    z.string().check(
      z.refine((v: string) => parsePreciseTimeAnyYear(v) !== null, {
        error: (issue) =>
          PLUS_AS_SPACE.test(String(issue.input))
            ? `${PRECISE_TIME_MESSAGE}; a + in a URL query arrives as a space: send the offset's + as %2B (2025-05-16T12:00:00%2B03:00)`
            : PRECISE_TIME_MESSAGE,
        abort: true,
      }),
      z.refine((v: string) => parsePreciseTime(v) !== null, UTC_RANGE_MESSAGE),
    ),
    z.transform((v: string): PreciseTime => parsePreciseTime(v)!),
  )
  .register(z.globalRegistry, {
    type: 'string',
    description:
      'An RFC 3339 date-time with a time zone, or a UTC calendar period: YYYY-MM-DD, YYYY-MM or YYYY',
    examples: ['2025-08-15T10:00:00Z', '2025-08-15', '2025-08', '2025'],
  });

/** The start of the period is what the limits apply to: a day that began less than 5 minutes from now is accepted. */
export const occurredAt = z.pipe(
  preciseTime,
  z.object({ at: z.string(), precision: z.enum(PRECISIONS) }).check(
    z.refine((t) => t.at >= LIMITS.earliestOccurredAt, 'must not be before 1900-01-01'),
    z.refine(
      (t) => Date.parse(t.at) <= Date.now() + LIMITS.futureSkewMs,
      'must not be more than 5 minutes in the future (a period: its start)',
    ),
  ),
);

/** `expected.at` may lie up to this many years ahead (its start). */
export const EXPECTED_MAX_YEARS_AHEAD = 10;

export const yearsAhead = (years: number): string => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString();
};

/** What a thread waits for: `at` in any time form, between 1900-01-01 and 10 years from now (its start). */
export const ExpectedSchema = z.pipe(
  z
    .strictObject({
      what: text(1, LIMITS.expectedWhat),
      at: z.pipe(
        preciseTime,
        z.object({ at: z.string(), precision: z.enum(PRECISIONS) }).check(
          z.refine((t) => t.at >= LIMITS.earliestOccurredAt, 'must not be before 1900-01-01'),
          z.refine(
            (t) => t.at <= yearsAhead(EXPECTED_MAX_YEARS_AHEAD),
            `must not be more than ${EXPECTED_MAX_YEARS_AHEAD} years ahead (a period: its start)`,
          ),
        ),
      ),
      // Optional, so that `expected` as a GET shows it (`at` normalised, with its precision) can be
      // sent back unchanged; it must agree with `at`.
      precision: z.optional(z.enum(PRECISIONS)),
    })
    .check(
      z.refine((e) => e.precision === undefined || !e.at?.at || atPrecision(e.at, e.precision) !== null, {
        message:
          'must agree with at (a period written as YYYY-MM-DD, YYYY-MM or YYYY, or its first millisecond)',
        path: ['precision'],
      }),
    ),
  z.transform((e): Expected => {
    const at = e.precision === undefined ? e.at : atPrecision(e.at, e.precision)!;
    return { what: e.what, at: at.at, precision: at.precision };
  }),
);
export type ExpectedInput = z.output<typeof ExpectedSchema>;

/** `asOf`/`knownAt`: a period means its last millisecond (`2025-08-15` → `2025-08-15T23:59:59.999Z`). */
export const cutTime = z.pipe(preciseTime, z.transform(periodEnd));
/** `updatedSince`: a period means its start. */
export const sinceTime = z.pipe(
  preciseTime,
  z.transform((t: PreciseTime) => t.at),
);

export const httpUrl = text(1, LIMITS.urlLength).check(
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

export const staleAfterHours = z
  .int()
  .check(z.gte(LIMITS.staleAfterHours.min), z.lte(LIMITS.staleAfterHours.max));
/** A status is checked against the thread's kind later (422), so here it only has to be a short string. */
export const statusName = text(1, 64);
/**
 * A kind's name: the shape only. Whether it is a kind is a question for the kind registry (built-in
 * plus custom kinds, read from the table), asked by the application: an unknown one is 400 on `kind`.
 */
export const kindName = z
  .string()
  .check(z.regex(NAME, NAME_MESSAGE))
  .register(z.globalRegistry, { description: 'A kind (built-in or custom): see GET /kinds' });
export const sources = z.optional(z.array(SourceSchema).check(z.maxLength(LIMITS.sources)));
export const quotes = z.optional(z.array(QuoteSchema).check(z.maxLength(LIMITS.quotes)));

// ---- Contract 1.2: keywords, criteria, key events (threadmeta) ----

/** A stable form of a keyword to compare by: the same letters in any case or Unicode composition are one keyword. */
export const keywordIdentity = (k: string): string => k.normalize('NFC').toLowerCase();

/**
 * `keywords` on threads and scenarios: up to 30 strings of 1–60 characters, any language. Each is
 * trimmed; a keyword repeated in another case (or composition) is kept once, the first spelling
 * given, in the order given. The count is checked before repeats are dropped, as for `tags`.
 */
export const keywords = z.pipe(
  z
    .array(
      z.pipe(
        text(1, LIMITS.keyword),
        z.transform((k: string) => k.trim()),
      ),
    )
    .check(z.maxLength(LIMITS.keywords, `must hold at most ${LIMITS.keywords} keywords`)),
  z.transform((list: string[]) => {
    const seen = new Set<string>();
    return list.filter((k) => !seen.has(keywordIdentity(k)) && seen.add(keywordIdentity(k)));
  }),
);

/** `criteria` on threads: what each status means and which sources count; null clears them. */
export const criteria = z.nullable(text(1, LIMITS.criteria));

/** A source and a quote as responses show them (updates and their revisions). */
export const SourceOut = z.object({
  url: z.string(),
  title: z.optional(z.string()),
  publisher: z.optional(z.string()),
  publishedAt: z.optional(z.string()),
});
export const QuoteOut = z.object({ speaker: z.string(), text: z.string() });

export const LIMIT_MESSAGE = 'must be an integer from 1 to 100';
export const limit = z.pipe(
  z.pipe(z.string().check(z.regex(/^\d{1,3}$/, LIMIT_MESSAGE)), z.transform(Number)),
  z.number().check(z.gte(LIMITS.pageSize.min, LIMIT_MESSAGE), z.lte(LIMITS.pageSize.max, LIMIT_MESSAGE)),
);
export const nextToken = z.string().check(z.maxLength(2048));

export const nullableString = z.nullable(z.string());
