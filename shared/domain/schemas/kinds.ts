import '../zod-setup';
import * as z from 'zod/mini';
import { KIND_LIMITS, NAME, NAME_MESSAGE } from '../kinds';
import { text } from '../schema-basics';

/**
 * `PUT /kinds/{kind}` and a kind as it is answered.
 *
 * One module of the contract's schemas (shared/domain/schemas.ts names them all): a function
 * imports the modules its routes use and builds only their schemas as it loads.
 */

export const statusDefinition = z.strictObject({
  name: z.string().check(z.regex(NAME, NAME_MESSAGE)),
  terminal: z.boolean(),
});

/** `PUT /kinds/{kind}`: the whole definition. Whether it may replace the stored one is checked against it (409). */
/**
 * Contract 1.2 (the news inbox): per status, words and phrases that say a text reports it, matched
 * as word prefixes (`adopt` finds `adopted`). Each status named must be one of the kind's.
 */
export const statusCues = z.record(
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

export const KindSchema = z.object({
  kind: z.string(),
  label: z.string(),
  builtIn: z.boolean(),
  statuses: z.array(z.object({ name: z.string(), terminal: z.boolean() })),
  /** Contract 1.2: a custom kind's status cues, when it was given some (built-in kinds' defaults are not listed). */
  cues: z.optional(z.record(z.string(), z.array(z.string()))),
});
