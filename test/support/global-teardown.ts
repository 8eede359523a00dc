import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __dynamo__?: { stop(): Promise<void> }[] }).__dynamo__ ?? [];
  await Promise.all(started.map((d) => d.stop()));
  if (process.env.TEST_BUNDLE_CACHE) rmSync(process.env.TEST_BUNDLE_CACHE, { recursive: true, force: true });
}
