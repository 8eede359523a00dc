import { config } from 'zod/mini';

/**
 * zod's global settings, applied before any schema is built: every module that builds schemas
 * imports this first.
 *
 * `jitless`: zod 4 otherwise compiles a parser for each object schema with `new Function` on its
 * first parse (after probing whether eval is allowed). That pays off after thousands of parses in a
 * long-lived server; a Lambda instance pays the compile at cold start for the settings and each
 * route's schema, for a parse that runs a handful of times per request. Measured in
 * docs/benchmarks.md (cold start), and no eval means nothing for a strict runtime policy to refuse.
 */
config({ jitless: true });
