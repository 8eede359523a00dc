import './lib/quiet';
import { ulid } from 'ulid';
import { searchIndexer } from '../local/search-stream';
import { searchPage } from '../shared/app/search';
import { seedIfEmpty } from '../local/seed';
import { queryTerms } from '../shared/domain/search-text';
import { postingPk, threadPk } from '../shared/store/keys';
import { QUICK, fmt, log, percentile, runAlone, table, type Section } from './lib/common';
import { batchPut, benchContext, useDynamo } from './lib/dynamo';
import { DbMeter, costOf } from './lib/meter';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';

/**
 * Search (issue 26, item 7): what keeping the index costs per write, and what a query reads.
 *
 * 1. The real-news seed plus generated updates (words drawn from a Zipf-like vocabulary, so a few
 *    words are in many documents and most in few, as in news text): the indexer's DynamoDB cost per
 *    indexed document, from its stream records (the thread write itself is unchanged: the indexer is
 *    not on its path).
 * 2. Queries of words from rare to common: round trips, read units and items read against the
 *    results, and the latency beside a GetItem of a thread (what GET /threads/{id} reads).
 */

const UPDATES = QUICK ? 1_000 : 10_000;
const THREADS = 50;
const VOCABULARY = 4_000;
const RUNS = QUICK ? 10 : 30;

// A deterministic generator: the same text on every run.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const words = Array.from({ length: VOCABULARY }, (_, i) => `w${i.toString(36)}x`);
// Zipf-like: the word of rank r is drawn with probability ∝ 1/r.
const weights = words.map((_, r) => 1 / (r + 1));
const total = weights.reduce((s, w) => s + w, 0);
const cumulative = weights.map(
  (
    (sum) => (w: number) =>
      (sum += w / total)
  )(0),
);
const word = () => {
  const x = random();
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
};
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

export async function run(): Promise<Section> {
  const started = Date.now();
  const dynamo = await useDynamo();
  try {
    const ctx = await benchContext(dynamo.endpoint);
    await seedIfEmpty(ctx);
    // Generated threads (so queries have thread documents too) and updates spread over them.
    const threadIds = Array.from({ length: THREADS }, (_, i) => `bench-thread-${i}`);
    const now = new Date().toISOString();
    await batchPut(
      ctx.db,
      ctx.config.tableName,
      threadIds.map((id, i) => ({
        PK: threadPk(id),
        SK: '#THREAD',
        id,
        scenario: `bench-${i % 5}`,
        title: sentence(8),
        summary: sentence(40),
      })),
    );
    await batchPut(
      ctx.db,
      ctx.config.tableName,
      Array.from({ length: UPDATES }, (_, i) => {
        const threadId = threadIds[i % THREADS]!;
        const id = ulid();
        return {
          PK: threadPk(threadId),
          SK: `UPDATE#${id}`,
          id,
          threadId,
          summary: sentence(45), // ≈ 300 characters
          quotes: [{ speaker: 'A speaker', text: sentence(15) }],
          sources: [{ url: 'https://example.org/', title: sentence(8) }],
          recordedAt: now,
        };
      }),
    );
    log(`indexing ${UPDATES} updates and ${THREADS} threads (plus the seed)`);
    const meter = new DbMeter(ctx.db);
    const indexer = searchIndexer(ctx);
    const indexStarted = Date.now();
    await indexer.catchUp();
    const indexMs = Date.now() - indexStarted;
    const indexing = costOf(meter.take());
    const docs = UPDATES + THREADS;
    const postingsOf = async (w: string) =>
      (
        await ctx.db.send(
          new QueryCommand({
            TableName: ctx.config.tableName,
            KeyConditionExpression: 'PK = :pk',
            ExpressionAttributeValues: { ':pk': postingPk(w) },
            Select: 'COUNT',
          }),
        )
      ).Count ?? 0;

    // Queries from the rarest to the most common word, one and two words, everywhere and in a scenario.
    const probe = [words[3_900]!, words[800]!, words[100]!, words[10]!, words[0]!];
    const queries: { q: string; scenario?: string }[] = [
      { q: 'nonexistentword' },
      ...probe.map((q) => ({ q })),
      { q: `${words[10]} ${words[800]}` },
      { q: words[10]!, scenario: 'bench-1' },
      { q: 'Умеров' },
    ];
    const rows: (string | number)[][] = [];
    const getLatencies: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = process.hrtime.bigint();
      await ctx.threads.getThread(threadIds[i % THREADS]!);
      getLatencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    meter.take();
    for (const query of queries) {
      const latencies: number[] = [];
      let cost = costOf([]);
      let results = 0;
      let matches = 0;
      for (let i = 0; i < RUNS; i++) {
        const t = process.hrtime.bigint();
        const page = await searchPage(ctx, { ...query, drafts: false }, 20, 0);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        cost = costOf(meter.take());
        results = page.items.length;
        matches = page.next === null ? results : -1;
      }
      const postings = await Promise.all(queryTerms(query.q).map(postingsOf));
      meter.take();
      rows.push([
        `\`${query.q}\`${query.scenario ? ` in ${query.scenario}` : ''}`,
        postings.join(' + '),
        matches >= 0 ? results : `${results} (first page)`,
        cost.roundTrips,
        fmt(cost.rcu, 1),
        fmt(percentile(latencies, 50), 1),
        fmt(percentile(latencies, 95), 1),
      ]);
    }
    meter.detach();
    const getP95 = percentile(getLatencies, 95);
    const markdown = [
      `${UPDATES} generated updates (≈ 300-character summary, one quote, one source title) over ${THREADS} generated threads in 5 scenarios, plus the real-news seed; words drawn Zipf-like from ${VOCABULARY}. DynamoDB Local, in memory, on this machine.`,
      '',
      '**Keeping the index** (the indexer, off the write path, from the stream):',
      '',
      table(
        [
          'documents indexed',
          'round trips',
          'WCU',
          'RCU',
          'per document: WCU',
          'per document: round trips',
          'ms per document',
        ],
        [
          [
            docs,
            indexing.roundTrips,
            fmt(indexing.wcu, 0),
            fmt(indexing.rcu, 0),
            fmt(indexing.wcu / docs, 1),
            fmt(indexing.roundTrips / docs, 1),
            fmt(indexMs / docs, 2),
          ],
        ],
      ),
      '',
      `**A query** (first page of 20; ${RUNS} runs each; a GetItem of a thread, what GET /threads/{id} reads: p95 ${fmt(getP95, 1)} ms):`,
      '',
      table(['q', 'postings of its words', 'results', 'round trips', 'RCU', 'p50 ms', 'p95 ms'], rows),
    ].join('\n');
    return {
      id: 'search',
      title: 'Search: index upkeep and query cost',
      markdown,
      targets: [],
      headline: [`search: ${fmt(indexing.wcu / docs, 1)} WCU per indexed document, off the write path`],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
