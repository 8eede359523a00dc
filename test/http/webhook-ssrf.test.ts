import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { GLOBAL_UNICAST_IPV6, isPublicAddress } from '../../shared/events/outbound-url';
import type { LookupAll } from '../../shared/events/outbound-url';
import { startReceiver, type Receiver } from '../support/receiver';
import { runDeliveries } from '../../shared/app/deliveries';
import { relayed } from '../support/context';
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
    ['https://[::127.0.0.1]/hook', 'IPv4-compatible IPv6 loopback'],
    ['https://[::169.254.169.254]/hook', 'IPv4-compatible IPv6 metadata address'],
    ['https://[::a9fe:a9fe]/hook', 'IPv4-compatible IPv6 metadata address, in hex'],
    ['https://[::10.0.0.1]/hook', 'IPv4-compatible IPv6 private 10/8'],
    ['https://[::ffff:0:7f00:1]/hook', 'IPv4-translated IPv6 loopback'],
    ['https://[100::1]/hook', 'IPv6 discard-only'],
    ['https://[4000::1]/hook', 'IPv6 outside global unicast'],
    ['gopher://hooks.example.com/', 'another scheme'],
  ])('refuses %s (%s) with 422 invalid_subscription_url', async (url) => {
    // Act
    const res = await server.call('POST', '/subscriptions', { role: 'admin', body: { url } });
    // Assess
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_subscription_url');
  });

  it('accepts https to a public IPv6 literal', async () => {
    const res = await server.call('POST', '/subscriptions', {
      role: 'admin',
      body: { url: 'https://[2606:4700:4700::1111]/hook' },
    });
    expect(res.status).toBe(201);
  });

  it('refuses the first and last address of every range listed in docs/security.md', async () => {
    // Prepare
    const addresses = documentedRanges().flatMap((cidr) => [firstAddress(cidr), lastAddress(cidr)]);
    // Act
    const answers: Record<string, number> = {};
    for (const address of addresses) {
      const host = address.includes(':') ? `[${address}]` : address;
      const res = await server.call('POST', '/subscriptions', {
        role: 'admin',
        body: { url: `https://${host}/hook` },
      });
      answers[address] = res.status;
    }
    // Assess
    expect(addresses.length).toBeGreaterThan(60);
    expect(Object.entries(answers).filter(([, status]) => status !== 422)).toEqual([]);
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
    await relayed(server.ctx);
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
  it('allows only ipaddr.js unicast, after unwrapping IPv4-mapped IPv6, and IPv6 only in 2000::/3', () => {
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
        '::7f00:1',
        '::a9fe:a9fe',
        '4000::1',
      ].map(isPublicAddress),
    ).toEqual([true, false, false, false, false, false, false, false, false, false]);
  });
});

/** The address ranges docs/security.md says are refused: the CIDRs in its "Address ranges refused" table. */
function documentedRanges(): string[] {
  const doc = readFileSync(join(__dirname, '../../docs/security.md'), 'utf8');
  const section = doc.split('#### Address ranges refused')[1]!.split(/\n#{2,4} /)[0]!;
  const rows = section.split('\n').filter((line) => /^\| .* \| .* \|$/.test(line) && !line.includes('---'));
  return rows
    .slice(1) // the header row
    .map((row) => row.split(' | ')[1]!)
    .filter((blocks) => !blocks.startsWith('all but'))
    .flatMap((blocks) => [...blocks.matchAll(/`([^`]+)`/g)].map((m) => normalCidr(m[1]!)));
}

const normalCidr = (cidr: string): string => {
  const [address, length] = ipaddr.parseCIDR(cidr);
  return `${address.toString()}/${length}`;
};
const firstAddress = (cidr: string): string => ipaddr.parseCIDR(cidr)[0].toString();
function lastAddress(cidr: string): string {
  const [address, length] = ipaddr.parseCIDR(cidr);
  const bytes = address.toByteArray();
  bytes.forEach((byte, i) => {
    const hostBits = Math.min(8, Math.max(0, (i + 1) * 8 - length));
    bytes[i] = byte | ((1 << hostBits) - 1);
  });
  return ipaddr.fromByteArray(bytes).toString();
}

type Ranges = Record<string, [ipaddr.IPv4 | ipaddr.IPv6, number] | [ipaddr.IPv4 | ipaddr.IPv6, number][]>;
/** Every range ipaddr.js names (the ones its `range()` can answer other than `unicast`). */
function ipaddrRanges(): Record<string, string[]> {
  const named = {
    ...(ipaddr.IPv4.prototype as unknown as { SpecialRanges: Ranges }).SpecialRanges,
    ...Object.fromEntries(
      Object.entries((ipaddr.IPv6.prototype as unknown as { SpecialRanges: Ranges }).SpecialRanges).map(
        ([name, value]) => [`${name} (IPv6)`, value],
      ),
    ),
  };
  return Object.fromEntries(
    Object.entries(named).map(([name, value]) => {
      const list = Array.isArray(value[0])
        ? (value as [ipaddr.IPv4, number][])
        : [value as [ipaddr.IPv4, number]];
      return [name, list.map(([address, length]) => `${address.toString()}/${length}`)];
    }),
  );
}

describe('the address ranges docs/security.md lists', () => {
  it('lists every range ipaddr.js names (IPv4-mapped aside: judged by its IPv4), ::/96, and global unicast as the rest', () => {
    // Prepare
    const documented = new Set(documentedRanges());
    const doc = readFileSync(join(__dirname, '../../docs/security.md'), 'utf8');
    // Act
    const missing = Object.entries(ipaddrRanges())
      .filter(([name]) => name !== 'ipv4Mapped (IPv6)')
      .flatMap(([name, cidrs]) => cidrs.filter((c) => !documented.has(c)).map((c) => `${name} ${c}`));
    // Assess
    expect(missing).toEqual([]);
    expect(documented.has('::/96')).toBe(true);
    expect(doc).toContain(
      `| every other IPv6 address outside global unicast | all but \`${GLOBAL_UNICAST_IPV6}\` |`,
    );
    expect(doc).toContain('IPv4-mapped IPv6 (`::ffff:0:0/96`) is judged as the IPv4 address it carries.');
  });
});
