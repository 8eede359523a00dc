import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One command the document client sent, with what DynamoDB says it read. */
export interface RecordedCall {
  command: string;
  /** Items read: ScannedCount for a Query, 1 for a GetItem that found its item, 0 for writes. */
  itemsRead: number;
  index?: string;
  consistent: boolean;
  /** Items a transaction wrote. */
  itemsWritten: number;
}

/**
 * Records every command a document client sends (a middleware, so the stores run unchanged) and
 * what it read. `take()` returns the calls since the last take.
 */
export function recordCalls(db: DynamoDBDocumentClient) {
  let calls: RecordedCall[] = [];
  const name = 'test-read-recorder';
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = args.input as Record<string, any>;
      const output = out.output as Record<string, any>;
      const command = String(context.commandName ?? '').replace(/Command$/, '');
      calls.push({
        command,
        itemsRead:
          command === 'Query'
            ? Number(output.ScannedCount ?? 0)
            : command === 'GetItem'
              ? output.Item
                ? 1
                : 0
              : 0,
        ...(input.IndexName ? { index: String(input.IndexName) } : {}),
        consistent: input.ConsistentRead === true,
        itemsWritten: command === 'TransactWriteItems' ? (input.TransactItems?.length ?? 0) : 0,
      });
      return out;
    },
    { step: 'initialize', name },
  );
  return {
    take(): RecordedCall[] {
      const taken = calls;
      calls = [];
      return taken;
    },
    detach(): void {
      db.middlewareStack.remove(name);
    },
  };
}

export const itemsRead = (calls: readonly RecordedCall[]): number =>
  calls.reduce((n, c) => n + c.itemsRead, 0);
