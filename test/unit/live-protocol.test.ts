import { MemoryLiveRegistry } from '../../local/live';
import { buildOpenApi } from '../../shared/openapi';
import { fanOutLive, handleLiveMessage, type LiveSender } from '../../shared/app/live';
import { ValidationError } from '../../shared/domain/errors';
import { ping, statusChanged, updatePosted, type TrackerEvent } from '../../shared/domain/event';
import {
  LIVE_LIMITS,
  errorFrame,
  matchesTarget,
  parseLiveMessage,
  targetKey,
  targetOfKey,
  targetsOf,
} from '../../shared/domain/live-protocol';
import type { TokenRecord } from '../../shared/store/token-store';

/** The live protocol apart from any transport, and the fan-out over the in-memory registry. */

const problems = (raw: string | Buffer, binary = false) => {
  try {
    parseLiveMessage(raw, binary);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors;
  }
  throw new Error('parsed');
};

describe('parseLiveMessage', () => {
  it('reads subscribe and unsubscribe to a scenario or a thread, and ping', () => {
    // Act + Assess
    expect(parseLiveMessage('{"action":"subscribe","scenario":"russia-ukraine-talks"}')).toEqual({
      action: 'subscribe',
      target: { scenario: 'russia-ukraine-talks' },
    });
    expect(parseLiveMessage(Buffer.from('{"action":"unsubscribe","threadId":"ceasefire"}'))).toEqual({
      action: 'unsubscribe',
      target: { threadId: 'ceasefire' },
    });
    expect(parseLiveMessage('{"action":"ping"}')).toEqual({ action: 'ping' });
  });

  it.each([
    ['not JSON', '{', '(message)'],
    ['a string', '"subscribe"', '(message)'],
    ['null', 'null', '(message)'],
    ['no action', '{"scenario":"a"}', 'action'],
    ['an unknown action', '{"action":"SUBSCRIBE","scenario":"a"}', 'action'],
    ['two targets', '{"action":"subscribe","scenario":"a","threadId":"b"}', '(message)'],
    ['no target', '{"action":"unsubscribe"}', '(message)'],
    ['a target that is not a slug', '{"action":"subscribe","threadId":"-x"}', 'threadId'],
    ['a target of the wrong type', '{"action":"subscribe","scenario":7}', 'scenario'],
    ['an unknown field', '{"action":"subscribe","scenario":"a","events":[]}', 'events'],
  ])('refuses %s, naming where', (_, raw, path) => {
    // Act
    const errors = problems(raw);

    // Assess
    expect(errors?.map((e) => e.path)).toContain(path);
  });

  it('refuses a binary message and one over the size limit', () => {
    // Act + Assess
    expect(problems('{"action":"ping"}', true)).toEqual([
      { path: '(message)', message: 'must be a text message holding a JSON object' },
    ]);
    const long = JSON.stringify({ action: 'ping', pad: 'x'.repeat(LIVE_LIMITS.messageBytes) });
    expect(problems(long)?.[0]?.message).toMatch(/at most 4096 bytes/);
  });
});

describe('targets and matching', () => {
  const event = updatePosted(
    { id: 'ceasefire', scenario: 'talks' },
    { id: 'U1', status: null },
    '2025-06-01T00:00:00Z',
  );

  it('delivers an event to its scenario and its thread, and a Ping to nobody', () => {
    // Act + Assess
    expect(targetsOf(event)).toEqual([{ scenario: 'talks' }, { threadId: 'ceasefire' }]);
    expect(matchesTarget({ scenario: 'talks' }, event)).toBe(true);
    expect(matchesTarget({ threadId: 'ceasefire' }, event)).toBe(true);
    expect(matchesTarget({ scenario: 'ceasefire' }, event)).toBe(false);
    expect(matchesTarget({ threadId: 'talks' }, event)).toBe(false);
    expect(targetsOf(ping({ scenario: 'talks' }, '2025-06-01T00:00:00Z'))).toEqual([]);
  });

  it('round-trips target keys, keeping scenarios and threads of one id apart', () => {
    // Act + Assess
    expect(targetKey({ scenario: 'x' })).not.toBe(targetKey({ threadId: 'x' }));
    expect(targetOfKey(targetKey({ scenario: 'x' }))).toEqual({ scenario: 'x' });
    expect(targetOfKey(targetKey({ threadId: 'x' }))).toEqual({ threadId: 'x' });
  });

  it('turns an error into a frame with the problem-details fields', () => {
    // Act + Assess
    expect(errorFrame(ValidationError.field('action', 'must be one of: ping'))).toEqual({
      type: 'Error',
      code: 'validation_error',
      title: 'The request is not valid',
      detail: 'action: must be one of: ping',
      errors: [{ path: 'action', message: 'must be one of: ping' }],
    });
  });
});

describe('handleLiveMessage and fanOutLive', () => {
  const valid = new Set(['good']);
  const tokens = {
    findByHash: async (hash: string): Promise<TokenRecord | null> =>
      valid.has(hash) ? { name: 'n', role: 'reader', createdAt: '', lastUsedAt: null } : null,
  } as never;

  const recorder = () => {
    const sent: [string, unknown][] = [];
    const refused: string[] = [];
    const gone = new Set<string>();
    const sender: LiveSender = {
      send: async (id, frame) => {
        if (gone.has(id)) return false;
        sent.push([id, JSON.parse(frame)]);
        return true;
      },
      refuse: async (id) => void refused.push(id),
    };
    return { sent, refused, gone, sender };
  };

  const events: TrackerEvent[] = [
    updatePosted({ id: 't1', scenario: 's1' }, { id: 'U1', status: 'agreed' }, '2025-06-01T00:00:00Z'),
    statusChanged({ id: 't1', scenario: 's1', status: 'agreed' }, 'proposed', '2025-06-01T00:00:00Z'),
    updatePosted({ id: 't2', scenario: 's2' }, { id: 'U2', status: null }, '2025-06-01T00:00:00Z'),
  ];

  it('sends each matching event once per connection, in order, and nothing unmatched', async () => {
    // Prepare
    const registry = new MemoryLiveRegistry();
    registry.add({ connectionId: 'a', subject: 'good' });
    registry.add({ connectionId: 'b', subject: 'good' });
    const deps = { registry, tokens };
    await handleLiveMessage(
      deps,
      { connectionId: 'a', subject: 'good' },
      '{"action":"subscribe","scenario":"s1"}',
      false,
      0,
    );
    await handleLiveMessage(
      deps,
      { connectionId: 'a', subject: 'good' },
      '{"action":"subscribe","threadId":"t1"}',
      false,
      0,
    );
    await handleLiveMessage(
      deps,
      { connectionId: 'b', subject: 'good' },
      '{"action":"subscribe","threadId":"t2"}',
      false,
      0,
    );
    const { sent, sender } = recorder();

    // Act
    const report = await fanOutLive({ ...deps, sender }, events, 0);

    // Assess
    const to = (id: string) => sent.filter(([c]) => c === id).map(([, frame]) => frame);
    expect(to('a')).toEqual([events[0], events[1]]);
    expect(to('b')).toEqual([events[2]]);
    expect(report).toEqual({ sent: 3, gone: 0, refused: 0 });
  });

  it('forgets a gone connection and refuses one whose token was revoked', async () => {
    // Prepare
    const registry = new MemoryLiveRegistry();
    registry.add({ connectionId: 'gone', subject: 'good' });
    registry.add({ connectionId: 'revoked', subject: 'revoked-hash' });
    await registry.subscribe('gone', { scenario: 's1' });
    await registry.subscribe('revoked', { scenario: 's1' });
    const { sent, refused, gone, sender } = recorder();
    gone.add('gone');

    // Act
    const report = await fanOutLive({ registry, tokens, sender }, events, 0);

    // Assess
    expect(report).toEqual({ sent: 0, gone: 1, refused: 1 });
    expect(refused).toEqual(['revoked']);
    expect(sent).toEqual([['revoked', expect.objectContaining({ type: 'Error', code: 'unauthorized' })]]);
    expect(registry.size).toBe(0);
    expect(await registry.subscribersOf({ scenario: 's1' })).toEqual([]);
  });

  it('answers a message on a revoked token with unauthorized and asks for the connection to be refused', async () => {
    // Prepare
    const registry = new MemoryLiveRegistry();
    registry.add({ connectionId: 'x', subject: 'revoked-hash' });

    // Act
    const reply = await handleLiveMessage(
      { registry, tokens },
      { connectionId: 'x', subject: 'revoked-hash' },
      '{"action":"ping"}',
      false,
      0,
    );

    // Assess
    expect(reply).toEqual({
      frame: expect.objectContaining({ code: 'unauthorized' }),
      close: { code: 4401, reason: 'token revoked' },
    });
  });
});

describe('the OpenAPI note on the live WebSocket', () => {
  it('shows client messages the protocol takes and the error frame it really answers', () => {
    // Prepare
    const live = buildOpenApi()['x-live-updates'] as {
      clientMessages: unknown[];
      serverFrames: { type: string }[];
    };

    // Act
    const parsed = live.clientMessages.map((m) => parseLiveMessage(JSON.stringify(m)));
    let bothTargets: unknown;
    try {
      parseLiveMessage(JSON.stringify({ action: 'subscribe', scenario: 'a', threadId: 'b' }));
    } catch (error) {
      bothTargets = errorFrame(error as ValidationError);
    }

    // Assess
    expect(parsed).toHaveLength(4);
    expect(live.serverFrames.find((f) => f.type === 'Error')).toEqual(bothTargets);
  });
});
