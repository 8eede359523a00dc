import './zod-setup';
import * as z from 'zod/mini';
import { ValidationError, type FieldProblem } from './errors';
import { RESERVED_SCENARIO_IDS, SLUG } from './limits';

/**
 * What every schema builds on, and how a failed parse becomes the contract's field problems: apart
 * from the contract's schemas (schemas.ts), because esbuild keeps every schema of a module it
 * bundles (zod's calls are not dropped across modules), so a function that parses one thing of its
 * own (the live protocol) would otherwise build all of them at start. schemas.ts re-exports these.
 */

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
      z.refine((s: string) => s.isWellFormed(), {
        message: 'must be well-formed Unicode (no lone surrogates)',
        abort: true,
      }),
      z.refine((s: string) => codePoints(s) >= min, {
        message: min === 1 ? 'must not be empty' : `must be at least ${min} characters`,
        abort: true,
      }),
      z.refine((s: string) => min === 0 || !isBlank(s), {
        message: 'must not be blank (only white space or invisible characters)',
      }),
      z.refine((s: string) => codePoints(s) <= max, { message: `must be at most ${max} characters` }),
    )
    .register(z.globalRegistry, { minLength: min, maxLength: max });

export const slug = z
  .string()
  .check(z.regex(SLUG, 'must be a slug: lower-case letters, digits and inner hyphens, 1–64 characters'));

/**
 * The id of a scenario that a write may create (POST /scenarios; a thread created in or moved into
 * an unknown scenario creates it): a slug, and none of RESERVED_SCENARIO_IDS (400 naming the field).
 */
export const newScenarioId = slug.check(
  z.refine((id: string) => !RESERVED_SCENARIO_IDS.includes(id), {
    message: `is reserved (${RESERVED_SCENARIO_IDS.join(', ')}): /scenarios/import is the path of POST /scenarios/import, so GET could never read a scenario of that id`,
  }),
);

// ---- Turning zod issues into the contract's field problems ----

/** `['sources', 0, 'url']` → `sources[0].url`. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    '',
  );

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown => {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key))
      return undefined;
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
      return issue.origin === 'array'
        ? `must have at least ${issue.minimum} items`
        : issue.origin === 'string'
          ? `must be at least ${issue.minimum} characters`
          : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${issue.maximum} items`
        : issue.origin === 'string'
          ? `must be at most ${issue.maximum} characters`
          : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_format':
      return `is not a valid ${issue.format}`;
    default:
      return 'is not valid';
  }
}

export function toFieldProblems(
  error: z.core.$ZodError,
  input: unknown,
  unknownKey = 'unknown field',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ path: formatPath([...issue.path, key]), message: unknownKey });
    } else {
      problems.push({ path: formatPath(issue.path) || '(body)', message: messageFor(issue, input) });
    }
  }
  return problems;
}

/** Parse or throw a ValidationError that names every offending field. */
export function parseWith<S extends Schema>(
  schema: S,
  input: unknown,
  what: string,
  unknownKey?: string,
): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const errors = toFieldProblems(result.error, input, unknownKey);
  throw new ValidationError(
    `${what} is not valid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}

/** A query string against its (strict) schema: an unknown parameter is named as such. */
export const parseQuery = <S extends Schema>(schema: S, query: Record<string, string>): z.output<S> =>
  parseWith(schema, query, 'The query', 'is not a known query parameter');
