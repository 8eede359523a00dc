import fixture from './seeds/istanbul-followups-2025.json';

/**
 * The real follow-ups of the seeded scenario (June–December 2025, local/seeds/istanbul-followups-2025.json)
 * posted over HTTP in their declared order: new threads, the desk's expectations, the developments,
 * then the corrections (retractions of a development, or of a new thread's first update:
 * `create:<id>`). Gives the desk's screenshots and browser tests a scenario with months of history
 * to draw. `call` is an editor's HTTP call; every answer must be 2xx.
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
  /** Each development's (and each new thread's first update's, `create:<id>`) thread and update id. */
  const ids = new Map<string, { thread: string; update: string }>();
  for (const { id, ...body } of fixture.threads) {
    await must(`create ${id}`, 'POST', '/threads', { id, scenario: fixture.scenario, ...body });
    // POST /threads answers with the thread; its first update is the only one it has.
    const first = (await must(`updates of ${id}`, 'GET', `/threads/${id}/updates`, undefined)) as unknown as {
      items: { id: string }[];
    };
    ids.set(createKey(id), { thread: id, update: first.items[0]!.id });
  }
  for (const e of fixture.expectations)
    await must(e.key, 'PATCH', `/threads/${e.thread}`, { expected: e.expected });
  for (const { key, thread, ...body } of fixture.developments)
    ids.set(key, { thread, update: (await must(key, 'POST', `/threads/${thread}/updates`, body)).update.id });
  for (const c of fixture.corrections) {
    const target = ids.get(c.retracts)!;
    await must(c.key, 'POST', `/threads/${target.thread}/updates/${target.update}/retraction`, {
      reason: c.reason,
    });
  }
}

/** A correction's `retracts` names a development by its key, or a new thread's first update so. */
export const createKey = (threadId: string) => `create:${threadId}`;
