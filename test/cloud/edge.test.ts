import type { Synthesized } from '../../local/cloud/cloud';
import { newKeyring } from '../../shared/domain/keyring';
import { ORIGIN_HEADER } from '../../shared/http/origin';
import { startCloudTest, synthesizeBundled, type CloudTest } from '../support/cloud';

/**
 * The origin check as the cloud runs it: the stack synthesized pinned to an account and region (as
 * `cdk deploy` does), so it has its edge; API Gateway emulated from that template (identity sources,
 * authorizers, cache); the authorizer's own bundle reading the origin secret from Secrets Manager
 * under its role. Cloud mode has no CloudFront: what CloudFront adds to each request (the origin
 * header with the secret's value) is added here by the test, as the distribution in the template
 * says; a request without it is what a client sends that goes to the execute-api URL directly.
 */

const ORIGIN_VALUE = 'origin-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
let synthesized: Synthesized;
let t: CloudTest;

beforeAll(async () => {
  synthesized = synthesizeBundled('dev', {
    CDK_DEFAULT_ACCOUNT: '123456789012',
    CDK_DEFAULT_REGION: 'eu-west-1',
  });
  t = await startCloudTest({
    synthesized,
    secretValue: (logicalId) => (logicalId.startsWith('OriginSecret') ? ORIGIN_VALUE : newKeyring()),
  });
}, 300_000);

afterAll(async () => {
  await t?.close();
  synthesized?.cleanup();
});

const throughEdge = { [ORIGIN_HEADER]: ORIGIN_VALUE };

describe('cloud mode behind the edge: the origin header', () => {
  it('is what the distribution sends, from the secret the authorizer reads', () => {
    // Prepare
    const resources = synthesized.template.Resources as Record<string, { Type: string; Properties: any }>;
    // Act
    const distribution = Object.values(resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!;
    const header = distribution.Properties.DistributionConfig.Origins[0].OriginCustomHeaders.find(
      (h: { HeaderName: string }) => h.HeaderName === ORIGIN_HEADER,
    );
    const authorizer = resources[synthesized.logicalIds.authorizer]!;
    // Assess: the same secret on both ends
    expect(JSON.stringify(header.HeaderValue)).toContain(
      JSON.stringify(authorizer.Properties.Environment.Variables.TRACKER_ORIGIN_SECRET_ARN),
    );
  });

  it('lets requests through the edge reach the routes, public and token ones', async () => {
    // Act
    const health = await t.call('GET', '/health', { role: null, headers: throughEdge });
    const list = await t.call('GET', '/scenarios', { role: 'reader', headers: throughEdge });
    const created = await t.call('POST', '/scenarios', {
      body: { id: 'edge-talks', title: 'Edge talks' },
      headers: throughEdge,
    });
    // Assess
    expect(health.status).toBe(200);
    expect(list.status).toBe(200);
    expect(created.status).toBe(201);
  });

  it('keeps the contract through the edge: a bad token is refused with 401 problem details', async () => {
    // Act
    const bad = await t.call('POST', '/scenarios', {
      token: 'not-a-token-of-this-tracker',
      body: { id: 'never', title: 'Never' },
      headers: throughEdge,
    });
    // Assess
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.code).toBe('unauthorized');
  });

  it('refuses a request around the edge in API Gateway itself, on the token routes and the public ones', async () => {
    // Act: an editor's real token, but no origin header (the execute-api URL called directly)
    const write = await t.call('POST', '/scenarios', { body: { id: 'bypass', title: 'Bypass' } });
    const health = await t.call('GET', '/health', { role: null });
    const unknown = await t.call('GET', '/no-such-path', { role: null });
    // Assess: API Gateway's own 401, before any authorizer or function
    for (const refused of [write, health, unknown])
      expect({ status: refused.status, body: refused.body }).toEqual({
        status: 401,
        body: { message: 'Unauthorized' },
      });
  });

  it('refuses a guessed origin value in the authorizer (403), a real token notwithstanding', async () => {
    // Act
    const write = await t.call('POST', '/scenarios', {
      body: { id: 'guess', title: 'Guess' },
      headers: { [ORIGIN_HEADER]: 'a-guess-at-the-value' },
    });
    const health = await t.call('GET', '/health', {
      role: null,
      headers: { [ORIGIN_HEADER]: 'another-guess' },
    });
    // Assess
    expect([write.status, health.status]).toEqual([403, 403]);
  });

  it('denied no AWS call: the authorizer may read the origin secret', () => {
    // Assess
    expect(t.cloud.denials).toEqual([]);
  });
});
