import { outletsOf } from '../shared/domain/outlets';
import './lib/quiet';
import { ulid } from 'ulid';
import { createThread } from '../shared/app/threads';
import { REFRESH_MS } from '../shared/app/search-views';
import { searchDocOf } from '../shared/domain/search-docs';
import { queryTerms } from '../shared/domain/search-text';
import { updateItem } from '../shared/store/items';
import type { Update } from '../shared/domain/types';
import { QUICK, fmt, log, percentile, ratio, runAlone, table, yes, type Section } from './lib/common';
import { batchPut, benchContext, useDynamo } from './lib/dynamo';
import { DbMeter, costOf } from './lib/meter';
import { BENCH_TOKENS, listen, prepareTable } from './lib/server';
import { replayIstanbulFollowups } from '../local/news-replay';

/**
 * Search (issue 26, item 7; done when a search's p95 is within 2× a GET /threads/{id}'s in the same
 * run, and its reads grow with the results, not with the table):
 *
 * 1. The real-news seed plus generated updates (words drawn from a Zipf-like vocabulary, so a few
 *    words are in many documents and most in few, as in news text), written in batches with the
 *    store's item builder. A write pays nothing for search (no index is written); the first search
 *    of the server reads every scenario whole into its views (shared/app/search-views.ts): what
 *    that costs, once per process, and the memory the views take.
 * 2. Over HTTP through the local server, GET /threads/{id} and GET /search for words from rare to
 *    common, interleaved in the same loop (the machine's load falls on both alike): p50/p95, and
 *    per query the DynamoDB round trips (the views' catch-ups, at most one a second), read units,
 *    and the postings its ranking took from memory beside the postings of its words.
 * 3. A catch-up: updates posted over HTTP, then one search: what it reads against the writes since.
 */

const UPDATES = QUICK ? 1_000 : 10_000;
const THREADS = 50;
const VOCABULARY = 4_000;
const RUNS = QUICK ? 15 : 100;
const TARGET = 2;

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
    await prepareTable(ctx);
    const server = await listen();
    // The real-news seed: the seeded scenario and its real follow-ups, posted over HTTP.
    await replayIstanbulFollowups(async (method, path, body) => {
      const r = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${BENCH_TOKENS.editor}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    });
    // Generated threads through the app (real thread items, so GET /threads/{id} reads what it does).
    const threadIds = Array.from({ length: THREADS }, (_, i) => `bench-thread-${i}`);
    for (const [i, id] of threadIds.entries())
      await createThread(
        ctx,
        {
          id,
          scenario: `bench-${i % 5}`,
          kind: 'other',
          title: sentence(8),
          status: 'active',
          summary: sentence(40),
        },
        { principal: { name: 'bench', role: 'editor' } },
      );
    // The updates in batches, built by the store's item builder.
    const now = new Date().toISOString();
    const writeStarted = Date.now();
    const generated = Array.from({ length: UPDATES }, (_, i) => {
      const update: Update = {
        id: ulid(),
        threadId: threadIds[i % THREADS]!,
        status: null,
        summary: sentence(22),
        occurredAt: now,
        occurredPrecision: 'day' as Update['occurredPrecision'],
        recordedAt: now,
        postedBy: 'bench',
        sources: [{ url: 'https://example.org/', title: sentence(5) }],
        quotes: [{ speaker: 'A speaker', text: sentence(6) }],
        retracted: false,
        retraction: null,
        revisedAt: null,
        revisedBy: null,
        revisionCount: 0,
        key: false,
      } as Update;
      return updateItem({ ...update, outlets: outletsOf(update) });
    });
    await batchPut(ctx.db, ctx.config.tableName, generated, 8);
    const writeMs = Date.now() - writeStarted;
    const termsPerUpdate =
      generated.reduce(
        (n, u) => n + Object.keys(searchDocOf(u, { threadId: 't', updateId: 'u' }, 's').terms).length,
        0,
      ) / generated.length;
    log(`wrote ${UPDATES} updates in ${fmt(writeMs / 1000, 1)} s; the first search reads them`);
    const meter = new DbMeter(ctx.db);
    const views = ctx.search;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const readStarted = Date.now();
    const first = await fetch(`${server.url}/search?q=istanbul`, {
      headers: { authorization: `Bearer ${BENCH_TOKENS.reader}` },
    });
    if (first.status !== 200) throw new Error(`first search: ${first.status}`);
    const readMs = Date.now() - readStarted;
    const readingCalls = meter.take();
    const reading = costOf(readingCalls);
    global.gc?.();
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    const docs = views.index.size;
    log(`read ${docs} documents into the views in ${fmt(readMs / 1000, 1)} s`);
    /** A word's postings in the views (every document holding it, in the scenario or everywhere). */
    const postingsOf = async (w: string, scenario?: string) =>
      (await views.index.postingSource(w, scenario).read(Number.MAX_SAFE_INTEGER)).postings.length;
    /** How many postings a ranking takes from memory, counted on the views' lists. */
    let taken = 0;
    const source = views.index.postingSource.bind(views.index);
    views.index.postingSource = (term, scenario) => {
      const list = source(term, scenario);
      return {
        read: async (limit: number) => {
          const page = await list.read(limit);
          taken += page.postings.length;
          return page;
        },
      };
    };

    // Queries from the rarest to the most common word, one and two words, everywhere and in a scenario.
    const queries: { q: string; scenario?: string; label: string }[] = [
      { q: 'nonexistentword', label: 'no document' },
      { q: words[3_900]!, label: 'rare' },
      { q: words[800]!, label: 'uncommon' },
      { q: words[100]!, label: 'common' },
      { q: words[10]!, label: 'very common' },
      { q: words[0]!, label: 'the most common' },
      { q: `${words[10]} ${words[800]}`, label: 'very common + uncommon' },
      { q: `${words[0]} ${words[1]}`, label: 'two very common' },
      { q: words[10]!, scenario: 'bench-1', label: 'very common, one scenario' },
      { q: 'Istanbul', label: 'a word of the real-news seed' },
    ];
    const get = async (path: string) => {
      const t = process.hrtime.bigint();
      const r = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${BENCH_TOKENS.reader}` },
      });
      const body = (await r.json()) as { items?: unknown[]; nextToken?: string | null };
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(body)}`);
      return { ms: Number(process.hrtime.bigint() - t) / 1e6, body };
    };
    const searchPath = (q: { q: string; scenario?: string }) =>
      `/search?q=${encodeURIComponent(q.q)}&limit=20${q.scenario ? `&scenario=${q.scenario}` : ''}`;
    const threadMs: number[] = [];
    const perQuery = queries.map(() => ({
      ms: [] as number[],
      roundTrips: 0,
      rcu: 0,
      items: 0,
      taken: 0,
      results: 0,
      more: false,
    }));
    // Warm both paths once, then interleave: a GET of a thread, then every search, RUNS times.
    await get(`/threads/${threadIds[0]}`);
    for (const q of queries) await get(searchPath(q));
    meter.take();
    for (let i = 0; i < RUNS; i++) {
      threadMs.push((await get(`/threads/${threadIds[i % THREADS]}`)).ms);
      meter.take();
      for (const [j, q] of queries.entries()) {
        taken = 0;
        const r = await get(searchPath(q));
        const calls = meter.take();
        const m = perQuery[j]!;
        m.ms.push(r.ms);
        m.roundTrips += calls.length;
        m.rcu += costOf(calls).rcu;
        m.items += calls.reduce((s, c) => s + c.items, 0);
        m.taken = taken;
        m.results = r.body.items?.length ?? 0;
        m.more = !!r.body.nextToken;
      }
    }
    // A catch-up: updates posted over HTTP, then one search once the refresh interval has passed.
    const CATCH_UP_WRITES = 20;
    for (let i = 0; i < CATCH_UP_WRITES; i++) {
      const r = await fetch(`${server.url}/threads/${threadIds[i % THREADS]}/updates`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_TOKENS.editor}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: null, summary: `Catch-up ${i}: ${sentence(20)}` }),
      });
      if (r.status !== 201) throw new Error(`catch-up write: ${r.status}`);
    }
    await new Promise((r) => setTimeout(r, REFRESH_MS));
    meter.take();
    const caught = await get(searchPath({ q: 'catch' }));
    const catchUp = meter.take();
    const catchUpCost = costOf(catchUp);
    await server.close();
    meter.detach();
    const threadP95 = percentile(threadMs, 95);
    const rows: (string | number)[][] = [];
    let worst = 0;
    let worstQuery = '';
    for (const [j, q] of queries.entries()) {
      const m = perQuery[j]!;
      const postings = await Promise.all(queryTerms(q.q).map((w) => postingsOf(w, q.scenario)));
      const p95 = percentile(m.ms, 95);
      if (p95 / threadP95 > worst) {
        worst = p95 / threadP95;
        worstQuery = q.label;
      }
      rows.push([
        `${q.label}: \`${q.q}\`${q.scenario ? ` in ${q.scenario}` : ''}`,
        postings.join(' + '),
        m.taken,
        `${m.results}${m.more ? ' (first page)' : ''}`,
        fmt(m.roundTrips / RUNS, 2),
        fmt(m.items / RUNS, 1),
        fmt(m.rcu / RUNS, 2),
        fmt(percentile(m.ms, 50), 1),
        fmt(p95, 1),
        ratio(p95 / threadP95),
      ]);
    }
    const markdown = [
      `${UPDATES} generated updates (a 22-word summary, a 6-word quote, a 5-word source title: ${fmt(termsPerUpdate, 1)} distinct words each on average, as the real-news seed's updates have 23.5) over ${THREADS} generated threads in 5 scenarios, plus the real-news seed (the seeded scenario and its follow-ups, local/seeds/); words drawn Zipf-like from ${VOCABULARY}. DynamoDB Local, in memory, on this machine.`,
      '',
      `**What a write pays for search**: nothing — no index is written; the views read the thread and update items themselves (docs/architecture.md, *Search*).`,
      '',
      `**Reading the views whole** (the server's first search, across scenarios: every scenario's threads and each thread's updates, once per process), ${fmt(readMs / 1000, 1)} s:`,
      '',
      table(
        ['documents', 'round trips', 'items read', 'RCU', 'heap after − before (MiB)', 'KiB per document'],
        [
          [
            docs,
            reading.roundTrips,
            readingCalls.reduce((n, c) => n + c.items, 0),
            fmt(reading.rcu, 0),
            fmt(heapMb, 1),
            fmt((heapMb * 1024) / docs, 2),
          ],
        ],
      ),
      '',
      `**A catch-up**: ${CATCH_UP_WRITES} updates posted over HTTP, then one search (\`catch\`, across scenarios) ${REFRESH_MS} ms later: ${catchUpCost.roundTrips} round trips, ${catchUp.reduce((n, c) => n + c.items, 0)} items read, ${fmt(catchUpCost.rcu, 1)} RCU, ${fmt(caught.ms, 1)} ms, ${caught.body.items?.length ?? 0} results (the writes since, not the table).`,
      '',
      `**A query over HTTP** (first page of 20; ${RUNS} runs each, interleaved with GET /threads/{id}, whose p50 is ${fmt(percentile(threadMs, 50), 1)} ms and p95 ${fmt(threadP95, 1)} ms; DynamoDB calls per search are the authorizer's token GetItem (1, as for the thread read) and the views' catch-ups, at most one every ${REFRESH_MS} ms, averaged over the runs; the postings taken are those of the last run):`,
      '',
      table(
        [
          'q',
          'postings of its words',
          'postings the ranking took',
          'results',
          'round trips per search',
          'items read per search',
          'RCU per search',
          'p50 ms',
          'p95 ms',
          'p95 / GET thread p95',
        ],
        rows,
      ),
    ].join('\n');
    return {
      id: 'search',
      title: 'Search: views in memory and query cost',
      markdown,
      targets: [
        {
          name: `search p95 ≤ ${TARGET}× GET /threads/{id} p95 (every query above)`,
          met: worst <= TARGET,
          detail: `${yes(worst <= TARGET)}: worst ${ratio(worst)} (${worstQuery})`,
        },
      ],
      headline: [
        `search: p95 at most ${ratio(worst)} a GET /threads/{id}'s (${worstQuery}); nothing written per document (views read ${docs} documents whole in ${fmt(readMs / 1000, 1)} s, once per process)`,
      ],
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await dynamo.stop();
  }
}

if (require.main === module) runAlone(run);
