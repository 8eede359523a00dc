/**
 * Each Jest worker uses its own DynamoDB Local of the run's (test/support/global-setup.ts says why),
 * chosen by the worker's number; in band (`-i`) that is the first.
 */
const endpoints = process.env.DYNAMODB_ENDPOINTS?.split(',').filter(Boolean) ?? [];
if (endpoints.length) {
  const worker = Math.max(1, Number(process.env.JEST_WORKER_ID ?? 1));
  process.env.DYNAMODB_ENDPOINT = endpoints[(worker - 1) % endpoints.length];
}
