import { startTestServer, type TestServer } from '../support/server';

/**
 * The parent rules under concurrent PATCHes (contract 1.1 "Precise points"): one level of children,
 * a parent in the child's scenario, a thread with children never gets a parent or moves. Each round
 * sends two PATCHes at once that would each be fine alone but together break a rule; the rules are
 * conditions of the write's transaction, so exactly one of them lands and the other is 422
 * invalid_parent, whichever comes first, and the threads read afterwards keep the rules.
 */

jest.setTimeout(120_000);

const ROUNDS = 15;
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const create = async (id: string, scenario = 'parent-races') => {
  const r = await s.call('POST', '/threads', {
    body: { id, scenario, kind: 'other', title: id, status: 'proposed', summary: 'Start.' },
  });
  expect(r.status).toBe(201);
};
const patch = (id: string, body: object) => s.call('PATCH', `/threads/${id}`, { body });
const read = async (id: string) => (await s.call('GET', `/threads/${id}`, { role: 'reader' })).body;

/** One race's answers: exactly one PATCH landed, the other was refused for the parent rule. */
const oneLanded = (answers: { status: number; body: { code?: string } }[]) => ({
  statuses: answers.map((a) => a.status).sort(),
  refusal: answers.find((a) => a.status !== 200)?.body.code,
});

describe('concurrent PATCHes that together would break the parent rules', () => {
  it('never lets a thread get a parent while its parent-to-be gets one (no two-level chain)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Prepare
      const [a, b, c] = ['a', 'b', 'c'].map((x) => `chain-${round}-${x}`) as [string, string, string];
      await Promise.all([create(a), create(b), create(c)]);

      // Act
      const answers = await Promise.all([patch(a, { parent: b }), patch(b, { parent: c })]);

      // Assess
      expect(oneLanded(answers)).toEqual({ statuses: [200, 422], refusal: 'invalid_parent' });
      const [ta, tb] = [await read(a), await read(b)];
      if (ta.parent === b) expect(tb.parent).toBeNull();
      else expect(tb.parent).toBe(c);
    }
  });

  it('never lets a thread get a child while it gets a parent itself (no two-level chain from below)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Prepare
      const [a, b, c] = ['a', 'b', 'c'].map((x) => `below-${round}-${x}`) as [string, string, string];
      await Promise.all([create(a), create(b), create(c)]);

      // Act
      const answers = await Promise.all([patch(a, { parent: b }), patch(c, { parent: a })]);

      // Assess
      expect(oneLanded(answers)).toEqual({ statuses: [200, 422], refusal: 'invalid_parent' });
      const [ta, tc] = [await read(a), await read(c)];
      expect(ta.parent !== null && tc.parent !== null).toBe(false);
    }
  });

  it('never lets a thread get a child while it moves to another scenario', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Prepare
      const [a, b] = ['a', 'b'].map((x) => `move-${round}-${x}`) as [string, string];
      await Promise.all([create(a), create(b)]);

      // Act
      const answers = await Promise.all([
        patch(a, { parent: b }),
        patch(b, { scenario: 'parent-races-elsewhere' }),
      ]);

      // Assess
      expect(oneLanded(answers)).toEqual({ statuses: [200, 422], refusal: 'invalid_parent' });
      const [ta, tb] = [await read(a), await read(b)];
      if (ta.parent === b) expect(tb.scenario).toBe(ta.scenario);
      else expect(tb.scenario).toBe('parent-races-elsewhere');
    }
  });

  it('counts children as they come and go: a parent whose children all left can get a parent and move again', async () => {
    // Prepare
    await Promise.all([create('count-p'), create('count-x'), create('count-y'), create('count-q')]);
    await Promise.all([patch('count-x', { parent: 'count-p' }), patch('count-y', { parent: 'count-p' })]);

    // Act
    const whileChildren = await patch('count-p', { parent: 'count-q' });
    await patch('count-x', { parent: null });
    const oneLeft = await patch('count-p', { scenario: 'parent-races-elsewhere' });
    await patch('count-y', { parent: 'count-q' });
    const noneLeft = await patch('count-p', { parent: 'count-q' });

    // Assess
    expect(whileChildren.status).toBe(422);
    expect(oneLeft.status).toBe(422);
    expect(noneLeft.status).toBe(200);
    expect((await read('count-p')).parent).toBe('count-q');
  });
});
