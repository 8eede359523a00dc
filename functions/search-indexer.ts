import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { indexRecords, type SearchStreamRecord } from '../shared/app/search-indexer';
import { config } from '../shared/config';
import { createDocumentClient } from '../shared/store/client';
import { SearchIndex } from '../shared/store/search-index';
import { count, invocation } from '../shared/observability';

const cfg = config();
/**
 * What this function uses, built once per instance (its IAM role: infra/permissions.ts): the search
 * index's items (postings and document records) and the thread items' scenario, nothing else.
 */
const deps = { search: new SearchIndex(createDocumentClient(cfg), cfg.tableName) };

/**
 * The table's stream, filtered by the event-source mapping to thread and update items
 * (infra/constructs/search-indexer.ts): each record's searchable text is written to the search index
 * (shared/app/search-indexer.ts). Records not indexed are reported (ReportBatchItemFailures) and
 * offered again from the first of them.
 */
export const handlerFor =
  (appContext: () => typeof deps) =>
  async (event: Pick<DynamoDBStreamEvent, 'Records'>, context?: Context): Promise<DynamoDBBatchResponse> =>
    invocation('search indexer', { context }, async () => {
      // Lambda's record type spells DynamoDB JSON its own way; the fields read are the same.
      const result = await indexRecords(appContext(), event.Records as unknown as SearchStreamRecord[]);
      count('SearchPostingsWritten', result.writes.put + result.writes.deleted);
      return { batchItemFailures: result.batchItemFailures };
    });

export const handler = handlerFor(() => deps);
