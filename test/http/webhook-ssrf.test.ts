import { runDeliveries } from '../../shared/app/deliveries';
import { isPublicAddress } from '../../shared/events/webhook-url';
import type { LookupAll } from '../../shared/events/webhook-url';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestServer, type TestServer } from '../support/server';

/**
 * Server-side request forgery: with private webhooks not allowed (the cloud's setting), no
 * subscription may point inside, neither when it is made nor — after a DNS answer changes — when
 * delivering. Names are resolved by a stubbed lookup, so "a name resolving to 10.0.0.1" is exact.
 */
const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14'],
  'inside.example.com': ['10.0.0.1'],
  'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'v6inside.example.com': ['::ffff:192.168.1.1'],
};
const stubLookup =
  (table: Record<string, string[]>): LookupAll =>
  async (host) => {
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('subscription URLs when private webhooks are not allowed', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ seed: false, config: { allowPrivateWebhooks: false } });
    server.ctx.lookup = stubLookup(DNS);
  });
  afterAll(() => server.close());

  it.each([
    ['http://hooks.example.com/hook', 'plain http'],
    ['https://127.0.0.1/hook', 'IPv4 loopback'],
    ['https://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['https://[::1]/hook', 'IPv6 loopback'],
    ['https://[::ffff:127.0.0.1]/hook', 'IPv4-mapped IPv6 loopback'],
    ['https://[fd00:ec2::254]/hook', 'IPv6 unique-local (the metadata service over IPv6)'],
    ['https://[fe80::1]/hook', 'IPv6 link-local'],
    ['https://2130706433/hook', 'decimal IPv4 (127.0.0.1)'],
    ['https://0177.0.0.1/hook', 'octal IPv4 (127.0.0.1)'],
    ['https://0x7f.1/hook', 'hex and short IPv4 (127.0.0.1)'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://10.1.2.3/hook', 'private 10/8'],
    ['https://172.16.0.1/hook', 'private 172.16/12'],
    ['https://192.168.0.1/hook', 'private 192.168/16'],
    ['https://100.64.0.1/hook', 'carrier-grade NAT'],
    ['https://inside.example.com/hook', 'a name resolving to 10.0.0.1'],
    ['https://mixed.example.com/hook', 'a name resolving to a public and a loopback address'],
    ['https://metadata.example.com/hook', 'a name resolving to the metadata address'],
    ['https://v6inside.example.com/hook', 'a name resolving to IPv4-mapped 192.168.1.1'],
    ['https://nowhere.example.com/hook', 'a name that does not resolve'],
    ['gopher://hooks.example.com/', 'another scheme'],
  ])('refuses %s (%s) with 422 invalid_subscription_url', async (url) => {
    // Act
    const res = await server.call('POST', '/subscriptions', { role: 'admin', body: { url } });
    // Assess
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_subscription_url');
  });

  it('accepts https to a name resolving only to public addresses', async () => {
    const res = await server.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: 'https://hooks.example.com/hook' },
    });
    expect(res.status).toBe(201);
  });
});

describe('delivery when private webhooks are not allowed', () => {
  let server: TestServer;
  let hook: Receiver;
  const dns: Record<string, string[]> = { 'rebind.example.com': ['93.184.215.14'] };
  beforeAll(async () => {
    server = await startTestServer({ seed: false, config: { allowPrivateWebhooks: false } });
    server.ctx.lookup = stubLookup(dns);
    hook = await startReceiver();
  });
  afterAll(async () => {
    await server.close();
    await hook.close();
  });

  it('refuses to connect when the name now resolves to 127.0.0.1 (DNS rebinding), and records why', async () => {
    // Prepare: subscribed while the name was public; then its answer changes to the receiver's loopback
    const port = new URL(hook.url).port;
    const made = await server.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: `https://rebind.example.com:${port}/hook` },
    });
    expect(made.status).toBe(201);
    dns['rebind.example.com'] = ['127.0.0.1'];
    await server.call('POST', '/threads', {
      body: {
        id: 't1',
        scenario: 'talks',
        kind: 'ceasefire',
        title: 'T',
        status: 'proposed',
        summary: 'First.',
      },
    });
    // Act
    const reports = await runDeliveries(server.ctx, Date.now());
    // Assess
    expect(reports.map((r) => [r.delivered, r.responseStatus, r.error])).toEqual([
      [false, null, 'refused: rebind.example.com resolved to 127.0.0.1, which is not a public address'],
    ]);
    expect(hook.received).toEqual([]);
    const log = (await server.call('GET', `/subscriptions/${made.body.id}`, { role: 'admin' })).body
      .deliveries;
    expect(log[0]).toMatchObject({
      delivered: false,
      responseStatus: null,
      error: expect.stringContaining('not a public address'),
    });
  });
});

describe('private webhooks allowed (the local default)', () => {
  it('accepts http and loopback, but still only http and https', async () => {
    // Prepare
    const server = await startTestServer({ seed: false, config: { allowPrivateWebhooks: true } });
    try {
      // Act
      const loopback = await server.call('POST', '/subscriptions', {
        role: 'admin',
        body: { url: 'http://127.0.0.1:9/hook' },
      });
      const file = await server.call('POST', '/subscriptions', {
        role: 'admin',
        body: { url: 'file:///etc/passwd' },
      });
      // Assess
      expect(loopback.status).toBe(201);
      expect([file.status, file.body.code]).toEqual([422, 'invalid_subscription_url']);
    } finally {
      await server.close();
    }
  });
});

describe('isPublicAddress', () => {
  it('allows only ipaddr.js unicast, after unwrapping IPv4-mapped IPv6', () => {
    expect(['93.184.215.14', '2606:4700:4700::1111'].map(isPublicAddress)).toEqual([true, true]);
    expect(
      [
        '::ffff:93.184.215.14',
        '::ffff:127.0.0.1',
        '64:ff9b::a00:1',
        '2002:7f00:1::',
        'not-an-ip',
        '255.255.255.255',
        '224.0.0.1',
      ].map(isPublicAddress),
    ).toEqual([true, false, false, false, false, false, false]);
  });
});
