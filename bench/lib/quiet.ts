/**
 * Imported first by every benchmark that loads shared/ (see local/quiet.ts). The throughput
 * benchmark's server child keeps the deployed INFO level, since logging is part of a handler's
 * real cost.
 */
import '../../local/quiet';

// The 1.5 s per-call DynamoDB timeout is for production (a stalled database must not hold requests).
// Here it would abort the seeding of 100,000-item tables on a loaded machine, and no figure measures
// it: the benchmarks, and the server children they start (which inherit the environment), wait longer.
process.env.DYNAMODB_TIMEOUT_MS ??= '30000';
// The local server signs page tokens; `npm start` keeps a key in its data dir, the benchmarks use a fixed one.
process.env.PAGE_TOKEN_SECRET ??= 'bench-page-token-secret-of-32-chars-or-more';
