export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __dynamo__?: { stop(): Promise<void> }[] }).__dynamo__ ?? [];
  await Promise.all(started.map((d) => d.stop()));
}
