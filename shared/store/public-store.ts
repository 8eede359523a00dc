import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Thread, Update } from '../domain/types';
import { INDEX, scenarioPk, threadPk } from './keys';
import { toThread, toUpdate } from './items';

/** An update marked as a key event of the story, with the mark as the item holds it. */
export type KeyUpdate = Update & { key: true };

/**
 * What the public routes read (contract 1.2, "Public scenarios and embeds"). Reads only: the scenario
 * item comes from ScenarioStore, and this adds the two reads a public view needs beyond it.
 */
export class PublicStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * The scenario's non-archived threads, by id: one Query of the by-scenario index (projected ALL),
   * so O(threads of the scenario) items and no further read. Archived threads are listed under
   * their own scope (keys.ts `archivedScope`), so they are never read here. Paged only past 1 MB.
   */
  async threadsOf(scenario: string): Promise<Thread[]> {
    const threads: Thread[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byScenario,
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': scenarioPk(scenario) },
          ExclusiveStartKey: start,
        }),
      );
      threads.push(...(page.Items ?? []).map(toThread));
      start = page.LastEvaluatedKey;
    } while (start);
    return threads;
  }

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
