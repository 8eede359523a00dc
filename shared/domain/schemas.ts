import { LIMITS, SLUG, ULID } from './limits';
import {
  isBlank,
  parseQuery,
  parseWith,
  slug,
  text,
  toFieldProblems,
  formatPath,
  type Schema,
} from './schema-basics';

/**
 * Request and response schemas, all of them by name. Handlers validate with them and
 * `docs/openapi.json` is generated from them, so the document cannot drift from what the code
 * accepts.
 *
 * Written with `zod/mini`: the same zod 4 engine in a tree-shakable form, about a tenth of the
 * classic build in each function bundle (cold start: see docs/benchmarks.md). Messages are ours
 * (see `messageFor`, schema-basics.ts), not zod's locale.
 *
 * They live in modules by what uses them (`./schemas/*.ts`), and code that a function bundles
 * imports those modules, not this one: every schema is built as its module loads, and a function
 * builds only the schemas of the modules it imports (docs/architecture.md, "Bundles"). The OpenAPI
 * document, the tools and the tests take them all from here.
 */

export { LIMITS, SLUG, ULID };
// The basics live apart (schema-basics.ts): code that parses one thing of its own (the live
// protocol) loads them without building every schema of the contract.
export { isBlank, parseQuery, parseWith, slug, text, toFieldProblems, formatPath, type Schema };

export * from './schemas/fields';
export * from './schemas/writes';
export * from './schemas/queries';
export * from './schemas/responses';
export * from './schemas/kinds';
export * from './schemas/tokens';
export * from './schemas/subscriptions';
export * from './schemas/inbox';
export * from './schemas/public';
export * from './schemas/exports';
