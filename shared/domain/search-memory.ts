import { docKeyOf, impactIn, type SearchDoc } from './search-docs';
import type { ImpactLookup, ImpactPosting, PostingSource } from './search-rank';

/**
 * The search index in memory: for every word and scenario, the word's postings in that scenario in
 * descending impact, then by document key (`<thread>#<update>`) — the order `topAfter` reads — kept
 * sorted as documents come and go (binary search and splice: a change costs the list's length in
 * moves, a read nothing but the postings it takes). A search across scenarios reads the word's lists
 * of every scenario merged (a heap of their heads) in the same order with the scenario before the
 * key (rank key `<scenario>#<thread>#<update>`): the ranking's tie order, one list per word and
 * scenario rather than a second copy of every posting (docs/architecture.md, "Search": what that
 * saved, measured).
 *
 * `topAfter` reads a list a chunk at a time and stops once the page cannot change, so a query takes
 * about as many postings as its results need, not the length of a common word's list; in memory that
 * is CPU, not round trips.
 */

interface Entry {
  impact: number;
  /** The document key, `<thread>#<update>`. */
  key: string;
  doc: SearchDoc;
}

/** Best first: higher impact, then lower key (search-rank.ts's `before` on one word). */
const ahead = (a: Entry, impact: number, key: string) =>
  a.impact > impact || (a.impact === impact && a.key < key);

/** Where an entry of (impact, key) sits, or would: the first entry not ahead of it. */
function place(list: Entry[], impact: number, key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ahead(list[mid]!, impact, key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rank key of a document: with its scenario across scenarios, without it in one. */
export const rankKeyOf = (doc: SearchDoc, scenario: string | undefined): string =>
  scenario === undefined ? `${doc.scenario}#${docKeyOf(doc)}` : docKeyOf(doc);

/** A cursor on one scenario's list, and its head's rank key across scenarios. */
interface Head {
  list: Entry[];
  at: number;
  rank: string;
}

/** Across scenarios: higher impact first, then the lower rank key (scenario, then document key). */
const headFirst = (a: Head, b: Head): boolean => {
  const x = a.list[a.at]!;
  const y = b.list[b.at]!;
  return x.impact > y.impact || (x.impact === y.impact && a.rank < b.rank);
};

/** A binary heap of list heads, the best on top. */
class Heads {
  private readonly heap: Head[] = [];

  push(head: Head): void {
    const h = this.heap;
    h.push(head);
    for (let i = h.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!headFirst(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Head | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2];
        let best = i;
        if (l < h.length && headFirst(h[l]!, h[best]!)) best = l;
        if (r < h.length && headFirst(h[r]!, h[best]!)) best = r;
        if (best === i) break;
        [h[i], h[best]] = [h[best]!, h[i]!];
        i = best;
      }
    }
    return top;
  }

  get size(): number {
    return this.heap.length;
  }
}

export class MemoryIndex {
  /** Documents by document key. */
  private readonly docs = new Map<string, SearchDoc>();
  /** Each thread's document keys (a thread's move or removal takes them all). */
  private readonly byThread = new Map<string, Set<string>>();
  /** Lists by `<word>\n<scenario>`. */
  private readonly lists = new Map<string, Entry[]>();
  /** The scenarios that have a list of each word (what a search across scenarios merges). */
  private readonly scenariosOf = new Map<string, Set<string>>();
  /** Bumped by every change: a query that sees it move under it starts again (SearchViews). */
  version = 0;

  get size(): number {
    return this.docs.size;
  }

  /** The document stored under a key, if any. */
  doc(key: string): SearchDoc | undefined {
    return this.docs.get(key);
  }

  /** The document keys of a thread (none when it has none in the index). */
  threadDocs(threadId: string): string[] {
    return [...(this.byThread.get(threadId) ?? [])];
  }

  /** Put a document, replacing the one under its key. */
  put(doc: SearchDoc): void {
    const key = docKeyOf(doc);
    this.remove(key);
    this.docs.set(key, doc);
    const keys = this.byThread.get(doc.threadId) ?? new Set<string>();
    keys.add(key);
    this.byThread.set(doc.threadId, keys);
    this.eachEntry(doc, (list, entry) => list.splice(place(list, entry.impact, entry.key), 0, entry), true);
    this.version++;
  }

  /** Remove a document (nothing when it is not there). */
  remove(key: string): void {
    const doc = this.docs.get(key);
    if (!doc) return;
    this.eachEntry(doc, (list, entry) => {
      const at = place(list, entry.impact, entry.key);
      if (list[at]?.doc === doc) list.splice(at, 1);
    });
    this.docs.delete(key);
    const keys = this.byThread.get(doc.threadId);
    keys?.delete(key);
    if (keys?.size === 0) this.byThread.delete(doc.threadId);
    this.version++;
  }

  /** Remove every document of a thread but its drafts (which `replaceDrafts` keeps). */
  removeThread(threadId: string): void {
    for (const key of this.threadDocs(threadId)) if (!this.docs.get(key)?.draft) this.remove(key);
  }

  /** Remove every document of these scenarios but their drafts (before they are read again whole). */
  removeScenarios(scenarios: ReadonlySet<string>): void {
    for (const [key, doc] of this.docs) if (!doc.draft && scenarios.has(doc.scenario)) this.remove(key);
  }

  /** The drafts of these scenarios become `drafts` (a queue read again whole). */
  replaceDrafts(scenarios: ReadonlySet<string>, drafts: readonly SearchDoc[]): void {
    for (const [key, doc] of this.docs) if (doc.draft && scenarios.has(doc.scenario)) this.remove(key);
    for (const doc of drafts) this.put(doc);
  }

  private eachEntry(doc: SearchDoc, act: (list: Entry[], entry: Entry) => void, create = false): void {
    // The document key made once per document, shared by its entries in every word's list.
    const key = docKeyOf(doc);
    for (const term of Object.keys(doc.terms)) {
      const id = `${term}\n${doc.scenario}`;
      let list = this.lists.get(id);
      if (!list) {
        if (!create) continue;
        list = [];
        this.lists.set(id, list);
        const scenarios = this.scenariosOf.get(term) ?? new Set<string>();
        scenarios.add(doc.scenario);
        this.scenariosOf.set(term, scenarios);
      }
      act(list, { impact: impactIn(doc, term)!, key, doc });
      if (list.length === 0) {
        this.lists.delete(id);
        const scenarios = this.scenariosOf.get(term);
        scenarios?.delete(doc.scenario);
        if (scenarios?.size === 0) this.scenariosOf.delete(term);
      }
    }
  }

  /** A word's postings (in the scenario, or everywhere), best first, read on from where the last read stopped. */
  postingSource(term: string, scenario: string | undefined): PostingSource {
    if (scenario !== undefined) {
      const list = this.lists.get(`${term}\n${scenario}`) ?? [];
      let at = 0;
      return {
        read: async (limit: number) => {
          const postings: ImpactPosting[] = list
            .slice(at, at + limit)
            .map((e) => ({ key: e.key, impact: e.impact, draft: e.doc.draft }));
          at += postings.length;
          return { postings, done: at >= list.length };
        },
      };
    }
    // Across scenarios: every scenario's list of the word, merged.
    const heads = new Heads();
    for (const s of this.scenariosOf.get(term) ?? []) {
      const list = this.lists.get(`${term}\n${s}`);
      if (list?.length) heads.push({ list, at: 0, rank: `${s}#${list[0]!.key}` });
    }
    return {
      read: async (limit: number) => {
        const postings: ImpactPosting[] = [];
        while (postings.length < limit && heads.size > 0) {
          const head = heads.pop()!;
          const e = head.list[head.at]!;
          postings.push({ key: head.rank, impact: e.impact, draft: e.doc.draft });
          head.at++;
          if (head.at < head.list.length) {
            head.rank = `${e.doc.scenario}#${head.list[head.at]!.key}`;
            heads.push(head);
          }
        }
        return { postings, done: heads.size === 0 };
      },
    };
  }

  /** The document a rank key names, if it is in the index and in the scenario asked. */
  ranked(key: string, scenario: string | undefined): SearchDoc | undefined {
    const docKey = scenario === undefined ? key.slice(key.indexOf('#') + 1) : key;
    const doc = this.docs.get(docKey);
    return doc && (scenario === undefined ? rankKeyOf(doc, undefined) === key : doc.scenario === scenario)
      ? doc
      : undefined;
  }

  /** Random access for `topAfter`: each document's impact for every word, or null (gone, a draft not asked for). */
  lookup(terms: readonly string[], scenario: string | undefined, drafts: boolean): ImpactLookup {
    return async (keys) =>
      new Map(
        keys.map((key) => {
          const doc = this.ranked(key, scenario);
          return [key, doc && (drafts || !doc.draft) ? terms.map((t) => impactIn(doc, t)) : null];
        }),
      );
  }
}
