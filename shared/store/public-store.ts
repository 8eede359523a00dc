import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Update } from '../domain/types';
import { INDEX, threadPk } from './keys';
import { toUpdate } from './items';

/** An update marked as a key event of the story, with the mark as the item holds it. */
export type KeyUpdate = Update & { key: true };

/**
 * What the public routes read (contract 1.2, "Public scenarios and embeds"). Reads only: the scenario
 * item comes from ScenarioStore and the threads from the thread list (ThreadStore.listThreads); this adds
 * the key events a public thread view needs beyond them.
 */
export class PublicStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * A thread's key events, oldest occurred time first: its non-retracted updates whose item carries
   * `key: true` (set through `PATCH /threads/{id}/updates/{updateId}`, contract 1.2 "Key events").
   * One Query of the thread's updates by occurred time, filtered: it reads every update of the
   * thread (a thread holds tens of updates; the CDN in front of the public routes reads it at most
   * once per max-age).
   */
  async keyEvents(threadId: string): Promise<KeyUpdate[]> {
    const found: KeyUpdate[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byOccurred,
          KeyConditionExpression: 'PK = :pk',
          FilterExpression: '#key = :yes AND retracted = :no',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: { ':pk': threadPk(threadId), ':yes': true, ':no': false },
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(page.Items ?? []).map((item) => ({ ...toUpdate(item), key: true as const })));
      start = page.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
