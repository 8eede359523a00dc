import { config } from 'zod/mini';

/**
 * zod's global settings, applied before any schema is built: every module that builds schemas
 * imports this first (and builds them with `schema()` below).
 *
 * `jitless`: zod 4 otherwise compiles a parser for each object schema with `new Function` on its
 * first parse (after probing whether eval is allowed). That pays off after thousands of parses in a
 * long-lived server; a Lambda instance pays the compile at cold start for the settings and each
 * route's schema, for a parse that runs a handful of times per request. Measured in
 * docs/benchmarks.md (cold start), and no eval means nothing for a strict runtime policy to refuse.
 */
config({ jitless: true });

/**
 * Builds a schema at import, declared free of side effects so that a function bundle that never
 * uses it leaves it out (esbuild drops unused pure calls): each function builds only the schemas of
 * the routes it serves at cold start, not every one (docs/benchmarks.md). Building zod schemas is the
 * largest part of the functions' start-up beyond the AWS SDK.
 */
/* @__NO_SIDE_EFFECTS__ */
export const schema = <T>(build: () => T): T => build();
