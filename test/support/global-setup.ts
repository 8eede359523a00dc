import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDynamoLocal } from '../../local/dynamodb-local';

/**
 * In-memory DynamoDB Locals for the whole run, one per Jest worker, each on a free port. Test files
 * each create their own table (test/support/context.ts), so they never see each other's data.
 *
 * Why one per worker and not one for the run: DynamoDB Local keeps every write's stream record (the
 * table has a stream, as in the cloud) and each write gets slower as they pile up, whichever table
 * they belong to — measured here, 2.4 ms a write on a fresh instance, 4.9 after 10,000 other writes,
 * 10.1 after 50,000. Two instances each hold half the run's records, and the two workers no longer
 * queue on one Java process. `TEST_DYNAMODB_INSTANCES` overrides the count.
 */
export default async function globalSetup(): Promise<void> {
  const count = Math.max(1, Number(process.env.TEST_DYNAMODB_INSTANCES ?? 2));
  const started = await Promise.all(
    Array.from({ length: count }, async () => startDynamoLocal({ port: await freePort() })),
  );
  process.env.DYNAMODB_ENDPOINTS = started.map((d) => d.endpoint).join(',');
  // What a worker uses unless test/support/worker-dynamo.ts picks its own.
  process.env.DYNAMODB_ENDPOINT = started[0]!.endpoint;
  (globalThis as { __dynamo__?: typeof started }).__dynamo__ = started;
  // The run's function bundles, built once for all its bundled syntheses (test/support/bin/npx);
  // removed by the teardown, so a run never reads a bundle an earlier one built from other sources.
  process.env.TEST_BUNDLE_CACHE = mkdtempSync(join(tmpdir(), 'scenario-tracker-bundles-'));
}
