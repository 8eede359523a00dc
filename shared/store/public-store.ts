import { queryAll } from './query-all';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Scenario, Thread, Update } from '../domain/types';
import { INDEX, SCENARIO_SK, THREAD_SK, scenarioKey, threadKey, threadPk } from './keys';
import { toScenario, toThread, toUpdate } from './items';

/** What the public channel's publisher reads of one change: the scenarios it names and the thread. */
export interface PublicSnapshot {
  scenarios: Map<string, Scenario>;
  thread: Thread | null;
}

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
    const items = await queryAll(this.db, {
      TableName: this.table,
      IndexName: INDEX.byOccurred,
      KeyConditionExpression: 'PK = :pk',
      FilterExpression: '#key = :yes AND retracted = :no',
      ExpressionAttributeNames: { '#key': 'key' },
      ExpressionAttributeValues: { ':pk': threadPk(threadId), ':yes': true, ':no': false },
    });
    found.push(...items.map((item) => ({ ...toUpdate(item), key: true as const })));
    return found;
  }

  /**
   * The items one change of a thread is published from (shared/app/public-live.ts): the scenario it
   * is in, the one it left when it moved, and the thread itself, in one BatchGetItem (one request
   * per change, whatever the number of readers). Strongly consistent: the change was committed
   * before its event left the outbox, and the message must show it, not the state before it.
   */
  async snapshot(scenarioIds: readonly string[], threadId: string): Promise<PublicSnapshot> {
    const keys = [...new Set(scenarioIds)].map(scenarioKey);
    keys.push(threadKey(threadId));
    const found: Record<string, unknown>[] = [];
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [this.table]: { Keys: keys, ConsistentRead: true },
    };
    // Three keys at most: UnprocessedKeys is rare (throttling), and asked again until empty.
    while (request && Object.keys(request).length > 0) {
      const page = await this.db.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...(page.Responses?.[this.table] ?? []));
      request = page.UnprocessedKeys as typeof request;
    }
    const snapshot: PublicSnapshot = { scenarios: new Map(), thread: null };
    for (const item of found) {
      if (item.SK === SCENARIO_SK) {
        const scenario = toScenario(item);
        snapshot.scenarios.set(scenario.id, scenario);
      } else if (item.SK === THREAD_SK) snapshot.thread = toThread(item);
    }
    return snapshot;
  }
}
