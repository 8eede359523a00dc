import '../zod-setup';
import * as z from 'zod/mini';
import { newScenarioId, slug, text } from '../schema-basics';
import { type PreciseTime } from '../time';
import { LIMITS } from '../limits';
import {
  ExpectedSchema,
  criteria,
  keywords,
  kindName,
  occurredAt,
  quotes,
  sources,
  staleAfterHours,
  statusName,
} from './fields';

/**
 * The bodies of threads-write's routes: threads, updates, scenarios.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

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

export const PATCH_FIELDS = [
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
export const party = z
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
export const notAmendable = z.optional(
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

/** Tags are slugs; a repeated tag is the same tag, kept once (first occurrence order). */
export const tags = z.pipe(
  z.array(slug).check(z.maxLength(LIMITS.tags)),
  z.transform((t: string[]) => [...new Set(t)]),
);
export const scenarioTitle = text(1, LIMITS.title);
export const scenarioDescription = text(0, LIMITS.scenarioDescription);

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
