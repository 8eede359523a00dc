import './zod-setup';
import * as z from 'zod/mini';
import { KIND_LIMITS, NAME, NAME_MESSAGE } from './kinds';
import {
  isBlank,
  newScenarioId,
  parseQuery,
  parseWith,
  slug,
  text,
  toFieldProblems,
  formatPath,
  type Schema,
} from './schema-basics';
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
} from './time';
import { ROLES, type Expected } from './types';
import { EVENT_TYPES, type TrackerEventType } from './event-types';
import { LIMITS, SLUG, SOURCE_INTERVAL, ULID } from './limits';
import { FETCH_ERRORS, SOURCE_STATUSES } from './sources';
import { CHANGE_TYPES, CURSOR } from './changes';
import { INBOX_STATES } from './inbox';

/**
 * Request and response schemas. Handlers validate with them and `docs/openapi.json` is generated
 * from them, so the document cannot drift from what the code accepts.
 *
 * Written with `zod/mini`: the same zod 4 engine in a tree-shakable form, about a tenth of the
 * classic build in each function bundle (cold start: see docs/benchmarks.md). Messages are ours
 * (see `messageFor`, schema-basics.ts), not zod's locale.
 */

export { LIMITS, SLUG, ULID };
// The basics live apart (schema-basics.ts): code that parses one thing of its own (the live
// protocol) loads them without building every schema of the contract.
export { isBlank, parseQuery, parseWith, slug, text, toFieldProblems, formatPath, type Schema };

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
const PRECISE_TIME_MESSAGE =
  'must be an RFC 3339 date-time with a time zone, or a UTC date YYYY-MM-DD, YYYY-MM or YYYY';
/**
 * A time whose `+hh:mm` offset became a space: in a URL query an unencoded `+` means a space
 * (`?asOf=2025-05-16T12:00:00+03:00` arrives as `…00 03:00`), so the message says how to send it.
 */
const PLUS_AS_SPACE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:\d{2}$/;

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
const occurredAt = z.pipe(
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

const yearsAhead = (years: number): string => {
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
const cutTime = z.pipe(preciseTime, z.transform(periodEnd));
/** `updatedSince`: a period means its start. */
const sinceTime = z.pipe(
  preciseTime,
  z.transform((t: PreciseTime) => t.at),
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
/**
 * A kind's name: the shape only. Whether it is a kind is a question for the kind registry (built-in
 * plus custom kinds, read from the table), asked by the application: an unknown one is 400 on `kind`.
 */
export const kindName = z
  .string()
  .check(z.regex(NAME, NAME_MESSAGE))
  .register(z.globalRegistry, { description: 'A kind (built-in or custom): see GET /kinds' });
const sources = z.optional(z.array(SourceSchema).check(z.maxLength(LIMITS.sources)));
const quotes = z.optional(z.array(QuoteSchema).check(z.maxLength(LIMITS.quotes)));

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

/** One text the criteria had, as `GET /threads/{id}/criteria` lists it. */
export const CriteriaRevisionSchema = z.object({
  revision: z.int(),
  text: z.nullable(z.string()),
  recordedAt: z.string(),
  recordedBy: z.string(),
});

// ---- end of contract 1.2 (threadmeta) ----

export const CreateThreadSchema = z.strictObject({
  id: slug,
  // A thread in an unknown scenario creates it (ensureScenario): never one of a reserved id.
  scenario: newScenarioId,
  kind: kindName,
  title: text(1, LIMITS.title),
  status: statusName,
  summary: text(1, LIMITS.summary),
  occurredAt: z.optional(occurredAt),
  sources,
  quotes,
  staleAfterHours: z.optional(staleAfterHours),
  parent: z.optional(z.nullable(slug)),
  expected: z.optional(z.nullable(ExpectedSchema)),
  keywords: z.optional(keywords),
  criteria: z.optional(criteria),
});
/**
 * What the application takes: the parsed body, or from internal callers (seed, CLIs, tests) an
 * occurred time as a normalised UTC instant, which is a full time (`instant`).
 */
export type OccurredInput = PreciseTime | string;
export type CreateThreadInput = Omit<z.output<typeof CreateThreadSchema>, 'occurredAt'> & {
  occurredAt?: OccurredInput;
};

const PATCH_FIELDS = [
  'title',
  'staleAfterHours',
  'expected',
  'archived',
  'scenario',
  'kind',
  'parent',
  'keywords',
  'criteria',
] as const;

export const PatchThreadSchema = z
  .strictObject({
    title: z.optional(text(1, LIMITS.title)),
    staleAfterHours: z.optional(staleAfterHours),
    expected: z.optional(z.nullable(ExpectedSchema)),
    archived: z.optional(z.boolean()),
    // A move into an unknown scenario creates it: never one of a reserved id.
    scenario: z.optional(newScenarioId),
    kind: z.optional(kindName),
    parent: z.optional(z.nullable(slug)),
    keywords: z.optional(keywords),
    criteria: z.optional(criteria),
  })
  .check(
    z.refine(
      (b) => PATCH_FIELDS.some((f) => b[f] !== undefined),
      `give at least one of ${PATCH_FIELDS.join(', ')}`,
    ),
  );
export type PatchThreadInput = z.output<typeof PatchThreadSchema>;

// ---- Contract 1.2: claims by party ----

/** A party whose claim an update reports (`us`, `russia`, `eu`): lower case, like the other names. */
export const PARTY = /^[a-z][a-z0-9_-]{0,39}$/;
const party = z
  .string()
  .check(
    z.regex(PARTY, 'must be 1–40 characters: a lower-case letter, then lower-case letters, digits, _ or -'),
  );

export const CreateUpdateSchema = z
  .strictObject({
    status: z.optional(z.nullable(statusName)),
    summary: text(1, LIMITS.summary),
    occurredAt: z.optional(occurredAt),
    sources,
    quotes,
    // Contract 1.2 "Drafts": held back for a second editor (shared/app/drafts.ts).
    draft: z.optional(z.boolean()),
    claimedBy: z.optional(
      z.nullable(party).register(z.globalRegistry, {
        description:
          "The party whose claim this update reports: it sets that party's claim, not the thread's status; requires status",
      }),
    ),
  })
  .check(
    z.refine((b) => !b.claimedBy || (b.status !== undefined && b.status !== null), {
      message: 'a claim (claimedBy) must carry the status the party claims',
      path: ['status'],
    }),
  );
export type CreateUpdateInput = Omit<z.output<typeof CreateUpdateSchema>, 'occurredAt'> & {
  occurredAt?: OccurredInput;
  /** Set by the server only, when an inbox item is accepted (contract 1.2); no client field. */
  inboxItem?: string;
};

/**
 * `PATCH /threads/{id}/updates/{updateId}`: new wording. `status` and `occurredAt` are named as not
 * amendable (400) rather than as unknown fields: the fix is to retract and post again.
 */
const notAmendable = z.optional(
  z
    .unknown()
    .check(z.refine(() => false, 'cannot be amended: retract the update and post a new one'))
    .register(z.globalRegistry, {
      not: {},
      description: 'Cannot be amended (400): retract the update and post a new one',
    }),
);
export const AmendUpdateSchema = z
  .strictObject({
    summary: z.optional(text(1, LIMITS.summary)),
    sources,
    quotes,
    status: notAmendable,
    occurredAt: notAmendable,
    // Contract 1.2 "Key events": a flag, not wording (no revision).
    key: z.optional(z.boolean()),
  })
  .check(
    z.refine(
      (b) =>
        b.summary !== undefined || b.sources !== undefined || b.quotes !== undefined || b.key !== undefined,
      'give at least one of summary, sources, quotes, key',
    ),
  );
export type AmendUpdateInput = Pick<
  z.output<typeof AmendUpdateSchema>,
  'summary' | 'sources' | 'quotes' | 'key'
>;

/** A source and a quote as responses show them (updates and their revisions). */
const SourceOut = z.object({
  url: z.string(),
  title: z.optional(z.string()),
  publisher: z.optional(z.string()),
  publishedAt: z.optional(z.string()),
});
const QuoteOut = z.object({ speaker: z.string(), text: z.string() });

export const RevisionSchema = z.object({
  revision: z.int(),
  summary: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  recordedAt: z.string(),
  recordedBy: z.string(),
});

const statusDefinition = z.strictObject({
  name: z.string().check(z.regex(NAME, NAME_MESSAGE)),
  terminal: z.boolean(),
});

/** `PUT /kinds/{kind}`: the whole definition. Whether it may replace the stored one is checked against it (409). */
/**
 * Contract 1.2 (the news inbox): per status, words and phrases that say a text reports it, matched
 * as word prefixes (`adopt` finds `adopted`). Each status named must be one of the kind's.
 */
const statusCues = z.record(
  z.string().check(z.regex(NAME, NAME_MESSAGE)),
  z.array(text(1, KIND_LIMITS.cue)).check(z.maxLength(KIND_LIMITS.cuesPerStatus)),
);

export const PutKindSchema = z
  .strictObject({
    label: text(1, KIND_LIMITS.label),
    cues: z.optional(statusCues),
    statuses: z.array(statusDefinition).check(
      z.minLength(KIND_LIMITS.statuses.min, `must have at least ${KIND_LIMITS.statuses.min} item`),
      z.maxLength(KIND_LIMITS.statuses.max, `must have at most ${KIND_LIMITS.statuses.max} items`),
      z.refine(
        (list) => new Set(list.map((st) => st.name)).size === list.length,
        'must not name a status twice',
      ),
    ),
  })
  .check(
    z.refine(
      (k) => Object.keys(k.cues ?? {}).every((status) => k.statuses.some((st) => st.name === status)),
      { message: 'must name only statuses of the kind', path: ['cues'] },
    ),
  );
export type PutKindInput = z.output<typeof PutKindSchema>;

/** Tags are slugs; a repeated tag is the same tag, kept once (first occurrence order). */
const tags = z.pipe(
  z.array(slug).check(z.maxLength(LIMITS.tags)),
  z.transform((t: string[]) => [...new Set(t)]),
);
const scenarioTitle = text(1, LIMITS.title);
const scenarioDescription = text(0, LIMITS.scenarioDescription);

export const CreateScenarioSchema = z.strictObject({
  id: newScenarioId,
  title: scenarioTitle,
  description: z.optional(scenarioDescription),
  tags: z.optional(tags),
  keywords: z.optional(keywords),
});
export type CreateScenarioInput = z.output<typeof CreateScenarioSchema>;

export const PatchScenarioSchema = z
  .strictObject({
    title: z.optional(scenarioTitle),
    description: z.optional(scenarioDescription),
    tags: z.optional(tags),
    keywords: z.optional(keywords),
    public: z.optional(z.boolean()),
  })
  .check(
    z.refine(
      (b) =>
        b.title !== undefined ||
        b.description !== undefined ||
        b.tags !== undefined ||
        b.keywords !== undefined ||
        b.public !== undefined,
      'give at least one of title, description, tags, keywords, public',
    ),
  );
export type PatchScenarioInput = z.output<typeof PatchScenarioSchema>;

export const RetractionSchema = z.strictObject({ reason: text(1, LIMITS.reason) });

export const CreateTokenSchema = z.strictObject({
  name: slug,
  role: z.enum(ROLES as ['reader', 'editor', 'admin']),
  // Contract 1.2 "Drafts": the token may publish its own drafts.
  selfPublish: z.optional(z.boolean()),
});

/** Event types a subscription may ask for; repeats are dropped, the contract's order kept. */
const eventTypes = z.pipe(
  z
    .array(z.enum(EVENT_TYPES))
    .check(z.minLength(1, 'must name at least one event type'), z.maxLength(EVENT_TYPES.length * 2)),
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
  .strictObject({
    status: z.optional(z.enum(['active', 'paused'])),
    events: z.optional(eventTypes),
    description: z.optional(subscriptionDescription),
  })
  .check(
    z.refine(
      (b) => b.status !== undefined || b.events !== undefined || b.description !== undefined,
      'give at least one of status, events, description',
    ),
  );
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

export const TimelineItemSchema = z.object({
  threadId: z.string(),
  updateId: z.string(),
  /** null only for a key event that is a note (`key=true`). */
  status: z.nullable(z.string()),
  previousStatus: z.nullable(z.string()),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  summary: z.string(),
  key: z.boolean(),
});

// ---- The changes feed (contract 1.2, "What changed since") ----

/** `since`: a cursor the feed handed out, or a time (a period means its start). */
const changesSince = z.union([
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

export const ChangeItemSchema = z.object({
  type: z.enum(CHANGE_TYPES),
  at: z.string(),
  by: z.nullable(z.string()),
  scenario: z.string(),
  threadId: z.string(),
  updateId: z.optional(z.string()),
  status: z.optional(z.nullable(z.string())),
  previousStatus: z.optional(z.nullable(z.string())),
  occurredAt: z.optional(z.string()),
  previousScenario: z.optional(z.string()),
  fields: z.optional(z.array(z.string())),
  cursor: z.string(),
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

// ---- Contract 1.2: the data desk ----
export const ExportQuerySchema = z.strictObject({ format: z.optional(z.enum(['csv', 'ndjson'])) });

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

export const SearchItemSchema = z.object({
  type: z.enum(['thread', 'update']),
  scenario: z.string(),
  threadId: z.string(),
  updateId: z.optional(z.string()),
  snippet: z.string(),
  score: z.number(),
  retracted: z.optional(z.boolean()),
  draft: z.optional(z.boolean()),
});

// ---- Responses (documentation and tests; handlers build them from the domain types) ----

const nullableString = z.nullable(z.string());

export const ThreadSchema = z.object({
  id: z.string(),
  scenario: z.string(),
  kind: z.string(),
  title: z.string(),
  status: z.string(),
  statusSince: z.string(),
  statusSincePrecision: z.enum(PRECISIONS),
  summary: z.string(),
  lastOccurredAt: z.string(),
  lastOccurredPrecision: z.enum(PRECISIONS),
  lastRecordedAt: z.string(),
  updateCount: z.int(),
  version: z.int(),
  staleAfterHours: z.int(),
  stale: z.boolean(),
  staleSince: nullableString,
  overdue: z.boolean(),
  overdueSince: nullableString,
  expected: z.nullable(z.object({ what: z.string(), at: z.string(), precision: z.enum(PRECISIONS) })),
  parent: nullableString,
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  keywords: z.array(z.string()),
  criteria: nullableString,
  asOf: z.optional(z.string()),
  knownAt: z.optional(z.string()),
  // Contract 1.2: claims by party and corroboration.
  claims: z.array(
    z.object({
      party: z.string(),
      status: z.string(),
      since: z.string(),
      sincePrecision: z.enum(PRECISIONS),
      updateId: z.string(),
    }),
  ),
  disputed: z.boolean(),
  corroboration: z.object({ outlets: z.array(z.string()), count: z.int() }),
});

export const UpdateSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  status: nullableString,
  summary: z.string(),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  recordedAt: z.string(),
  postedBy: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  retracted: z.boolean(),
  retraction: z.nullable(z.object({ reason: z.string(), retractedAt: z.string(), retractedBy: z.string() })),
  revisedAt: nullableString,
  revisedBy: nullableString,
  revisionCount: z.int(),
  key: z.boolean(),
  claimedBy: nullableString,
  // A published draft only (contract 1.2 "Drafts"): who published it, and the draft it came from.
  publishedBy: z.optional(z.string()),
  draftId: z.optional(z.string()),
  /** Contract 1.2: the inbox item an update was accepted from; absent otherwise. */
  inboxItem: z.optional(z.string()),
});

// ---- Drafts (contract 1.2 "Drafts"): responses ----

/** A draft: what a post would be, held back; `recordedBy` drafted it. */
export const DraftSchema = z.object({
  id: z.string(),
  threadId: z.string(),
  scenario: z.string(),
  draft: z.literal(true),
  status: nullableString,
  summary: z.string(),
  occurredAt: z.string(),
  occurredPrecision: z.enum(PRECISIONS),
  recordedAt: z.string(),
  recordedBy: z.string(),
  sources: z.array(SourceOut),
  quotes: z.array(QuoteOut),
  claimedBy: z.optional(nullableString),
});

export const ScenarioSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  keywords: z.array(z.string()),
  public: z.boolean(),
  threadCount: z.int(),
  statusCounts: z.record(z.string(), z.int()),
  staleCount: z.int(),
  overdueCount: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.int(),
});

export const KindSchema = z.object({
  kind: z.string(),
  label: z.string(),
  builtIn: z.boolean(),
  statuses: z.array(z.object({ name: z.string(), terminal: z.boolean() })),
  /** Contract 1.2: a custom kind's status cues, when it was given some (built-in kinds' defaults are not listed). */
  cues: z.optional(z.record(z.string(), z.array(z.string()))),
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

// ---- The news inbox (contract 1.2, "Sources and the news inbox") ----

const languageCode = z
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
  // Not yet `draft` (contract 1.2, "Drafts": accepting may create a draft): the draft and the item's
  // decision must commit together, and the drafts' store has no such transaction yet. Asked for, it
  // is a 400 (an unknown key), never a silently posted update.
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

const intervalMessage = `must be an integer from ${SOURCE_INTERVAL.min} to ${SOURCE_INTERVAL.max} (minutes)`;
const intervalMinutes = z
  .int(intervalMessage)
  .check(z.gte(SOURCE_INTERVAL.min, intervalMessage), z.lte(SOURCE_INTERVAL.max, intervalMessage));
const sourceTitle = z.nullable(text(1, LIMITS.title));

/** `POST /sources`. The URL is checked after parsing (the outbound-address rules): 422 invalid_source_url. */
export const CreateNewsSourceSchema = z.strictObject({
  scenario: slug,
  // Any text here: the scheme is one of the outbound-address rules, refused with their 422.
  url: text(1, LIMITS.urlLength),
  title: z.optional(sourceTitle),
  language: z.optional(z.nullable(languageCode)),
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

const fetchResult = z.union([z.int(), z.enum(FETCH_ERRORS)]);

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

// ---- Public scenarios and embeds (contract 1.2) ----------------------------------------------

const PublicThreadFields = {
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

const dimension = z.string().check(z.regex(/^[1-9][0-9]{0,4}$/, 'must be a whole number of pixels'));

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
