import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { Update } from '../../shared/domain/types';
import { updateItem } from '../../shared/store/items';
import { largeUkrainianUpdate } from '../support/ukrainian';
import { startTestServer, type TestServer } from '../support/server';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ notifications: false, seed: false });
});
afterAll(async () => s.close());

const UPDATES = 75;

describe('history paging past DynamoDB’s 1 MB page', () => {
  it('reaches every one of 75 large (~15 KB) updates by following nextToken, however short a page', async () => {
    // Prepare: a thread, and 74 more large updates written straight into its partition (posting
    // them one by one would re-read the growing history on every write: slow, and not under test)
    const created = await s.call('POST', '/threads', {
      body: {
        id: 'istanbul',
        scenario: 'ua-desk',
        kind: 'other',
        title: 'Стамбул',
        ...largeUkrainianUpdate(0),
        status: 'active',
      },
    });
    expect(created.status).toBe(201);
    for (let i = 1; i < UPDATES; i++) {
      const body = largeUkrainianUpdate(i);
      const occurredAt = new Date(Date.UTC(2025, 4, 1) + i * 3_600_000).toISOString();
      const update: Update = {
        id: ulid(),
        threadId: 'istanbul',
        ...body,
        occurredAt,
        occurredPrecision: 'instant',
        recordedAt: occurredAt,
        postedBy: 'desk',
        retracted: false,
        retraction: null,
        revisedAt: null,
        revisedBy: null,
        revisionCount: 0,
        key: false,
      };
      await s.ctx.db.send(
        new PutCommand({ TableName: s.ctx.config.tableName, Item: updateItem({ ...update, outlets: [] }) }),
      );
    }
    expect(Buffer.byteLength(JSON.stringify(largeUkrainianUpdate(1)))).toBeGreaterThan(14_000);
    // Act
    const pages: { items: Update[]; nextToken: string | null }[] = [];
    let next: string | null = null;
    do {
      const r = await s.call(
        'GET',
        `/threads/istanbul/updates?limit=100${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`,
        { role: 'reader' },
      );
      expect(r.status).toBe(200);
      pages.push(r.body);
      next = r.body.nextToken;
    } while (next !== null && pages.length < 10);
    // Assess: the first page was cut short by the 1 MB limit, yet said there was more
    expect(pages[0]!.items.length).toBeLessThan(UPDATES);
    expect(pages[0]!.nextToken).not.toBeNull();
    const ids = pages.flatMap((p) => p.items.map((u) => u.id));
    expect(ids).toHaveLength(UPDATES);
    expect(new Set(ids).size).toBe(UPDATES);
    const occurred = pages.flatMap((p) => p.items.map((u) => u.occurredAt));
    expect(occurred).toEqual([...occurred].sort().reverse());
  });
});
