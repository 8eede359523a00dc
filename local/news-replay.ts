import fixture from './seeds/istanbul-followups-2025.json';

/**
 * The real follow-ups of the seeded scenario (June–December 2025, local/seeds/istanbul-followups-2025.json)
 * posted over HTTP in their declared order: new threads, the desk's expectations, the developments,
 * then the one correction (a retraction). Gives the desk's screenshots and browser tests a scenario
 * with months of history to draw. `call` is an editor's HTTP call; every answer must be 2xx.
 */
export type EditorCall = (
  method: string,
  path: string,
  body: unknown,
) => Promise<{ status: number; body: unknown }>;

export async function replayIstanbulFollowups(call: EditorCall): Promise<void> {
  const must = async (what: string, method: string, path: string, body: unknown) => {
    const r = await call(method, path, body);
    if (r.status < 200 || r.status > 299)
      throw new Error(`${what} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body as { update: { id: string } };
  };
  for (const { id, ...body } of fixture.threads)
    await must(`create ${id}`, 'POST', '/threads', { id, scenario: fixture.scenario, ...body });
  for (const e of fixture.expectations)
    await must(e.key, 'PATCH', `/threads/${e.thread}`, { expected: e.expected });
  const ids = new Map<string, string>();
  for (const { key, thread, ...body } of fixture.developments)
    ids.set(key, (await must(key, 'POST', `/threads/${thread}/updates`, body)).update.id);
  for (const c of fixture.corrections) {
    const target = fixture.developments.find((d) => d.key === c.retracts)!;
    await must(c.key, 'POST', `/threads/${target.thread}/updates/${ids.get(c.retracts)}/retraction`, {
      reason: c.reason,
    });
  }
}
