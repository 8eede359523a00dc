import fc from 'fast-check';
import {
  DF_CAP,
  MAX_IMPACT,
  before,
  impact,
  topAfter,
  wordWeight,
  type RankCursor,
  type Ranked,
  type TopOptions,
} from '../../shared/domain/search-rank';
import { normalize, queryTerms, snippet, termWeights, terms } from '../../shared/domain/search-text';
import { rankedMatches } from '../../shared/app/search';
import {
  bucketLength,
  docKeyOf,
  impactIn,
  lengthBucket,
  searchDocOf,
  searchFieldsOf,
  type IndexedDoc,
  type SearchDoc,
} from '../../shared/domain/search-docs';
import { MemoryIndex } from '../../shared/domain/search-memory';

/** A corpus in memory: per document, its words' impacts; which documents are drafts. */
interface Corpus {
  docs: Record<string, Record<string, number>>;
  drafts: Set<string>;
}

/** A word's list as the table keeps it: by impact descending (then key), read a chunk at a time. */
const listOf = (c: Corpus, word: string, reads?: number[]) => {
  const list = Object.entries(c.docs)
    .filter(([, w]) => w[word] !== undefined)
    .map(([key, w]) => ({ key, impact: w[word]!, draft: c.drafts.has(key) }))
    .sort((a, b) => b.impact - a.impact || (a.key < b.key ? -1 : 1));
  let at = 0;
  return {
    read: async (limit: number) => {
      const postings = list.slice(at, at + limit);
      at += postings.length;
      reads?.push(postings.length);
      return { postings, done: at >= list.length };
    },
  };
};

const top = async (
  c: Corpus,
  words: string[],
  options: Partial<TopOptions> & { need: number },
  reads?: number[],
): Promise<Ranked[]> => (await topWith(c, words, options, reads)).ranked;

const topWith = async (
  c: Corpus,
  words: string[],
  options: Partial<TopOptions> & { need: number },
  reads?: number[],
) =>
  await topAfter(
    words.map((w) => listOf(c, w, reads)),
    async (keys) =>
      new Map(
        keys.map((k) => [k, c.drafts.has(k) && !options.drafts ? null : words.map((w) => c.docs[k]?.[w])]),
      ),
    { drafts: false, ...options },
  );

/** The reference: every posting read, every document scored, sorted. */
const exhaustive = (c: Corpus, words: string[], need: number, dfCap = DF_CAP, drafts = false): Ranked[] => {
  const weights = words.map((w) =>
    wordWeight(Object.values(c.docs).filter((d) => d[w] !== undefined).length, dfCap),
  );
  return Object.entries(c.docs)
    .filter(([key, d]) => words.every((w) => d[w] !== undefined) && (drafts || !c.drafts.has(key)))
    .map(([key, d]) => ({ key, score: words.reduce((s, w, i) => s + weights[i]! * d[w]!, 0) }))
    .sort((a, b) => (before(a, b) ? -1 : 1))
    .slice(0, need);
};

describe('search text', () => {
  it('lower-cases any script without a locale and drops diacritics, keeping letters', () => {
    expect(normalize('Умеров')).toBe('умеров');
    expect(normalize('Erdoğan İstanbul Türkiye')).toBe('erdogan istanbul turkiye');
    // A Cyrillic letter with a mark loses only the mark (й is и + breve); Greek keeps its letters.
    expect(normalize('Київ')).toBe('киів');
    expect(normalize('Ἀθῆναι')).toBe('αθηναι');
    // Compatibility forms: a ligature is its letters, a full-width digit a digit.
    expect(normalize('ﬁnal ２０２５')).toBe('final 2025');
  });

  it('splits on anything that is not a letter or digit, and keeps whole words', () => {
    expect(terms('Trump–Putin meeting: “cancelled”, 22 October!')).toEqual([
      'trump',
      'putin',
      'meeting',
      'cancelled',
      '22',
      'october',
    ]);
    expect(terms('Zelenskyy')).not.toEqual(terms('Zelensky'));
    expect(terms('北京 会谈')).toEqual(['北京', '会谈']);
  });

  it('asks each word of a query once, in order', () => {
    expect(queryTerms('Budapest meeting BUDAPEST')).toEqual(['budapest', 'meeting']);
    expect(queryTerms('— !')).toEqual([]);
  });

  it('weighs a word of the title over one of a summary, and counts the weighted length', () => {
    const { weights, length } = termWeights({ title: ['Budapest summit'], summary: ['Budapest talks'] });
    expect(Object.fromEntries(weights)).toEqual({ budapest: 4, summit: 3, talks: 1 });
    expect(length).toBe(8);
  });

  it('cuts a snippet around the first word asked for, on word boundaries', () => {
    const long = `${'Earlier context words. '.repeat(10)}The Budapest meeting is off. ${'Later words. '.repeat(20)}`;
    const cut = snippet(['No match here.', long], ['budapest']);
    expect(cut).toContain('The Budapest meeting is off.');
    expect(cut.startsWith('…')).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThanOrEqual(162);
    expect(snippet(['Short one.'], ['absent'])).toBe('Short one.');
  });

  it('keeps document lengths as buckets of about 10 %', () => {
    expect(lengthBucket(98)).toBe(lengthBucket(100));
    expect(lengthBucket(100)).not.toBe(lengthBucket(120));
    expect(bucketLength(lengthBucket(100)) / 100).toBeCloseTo(1, 1);
  });
});

describe('search ranking (BM25 with impacts)', () => {
  it('gives a higher frequency and a shorter document a higher impact, and a rarer word more weight', () => {
    expect(impact(3, 60)).toBeGreaterThan(impact(1, 60));
    expect(impact(1, 10)).toBeGreaterThan(impact(1, 200));
    expect(wordWeight(2)).toBeGreaterThan(wordWeight(50));
    // Counted up to DF_CAP: every word past it weighs the same.
    expect(wordWeight(DF_CAP)).toBe(wordWeight(DF_CAP * 100));
    expect(impact(1_000, 1)).toBeLessThanOrEqual(MAX_IMPACT);
  });

  it('keeps only documents holding every word, best first, ties by key', async () => {
    // Prepare: b holds both words; a and c only the first, with the same impact.
    const corpus: Corpus = {
      docs: { a: { x: 500 }, b: { x: 400, y: 700 }, c: { x: 500 } },
      drafts: new Set(),
    };
    // Act
    const both = await top(corpus, ['x', 'y'], { need: 10 });
    const one = await top(corpus, ['x'], { need: 10 });
    // Assess
    expect(both.map((r) => r.key)).toEqual(['b']);
    expect(one.map((r) => r.key)).toEqual(['a', 'c', 'b']);
  });

  it('stops reading a long list once the page cannot change', async () => {
    // Prepare: a common word in 1,000 documents, impacts falling.
    const docs = Object.fromEntries(
      Array.from({ length: 1_000 }, (_, i) => [`d${String(i).padStart(4, '0')}`, { w: 2000 - i }]),
    );
    const corpus: Corpus = { docs, drafts: new Set() };
    // Act
    const reads: number[] = [];
    const ranked = await top(corpus, ['w'], { need: 11, dfCap: 50, chunk: 20 }, reads);
    // Assess: the first read only (the word's weight needs it), and the best 11.
    expect(ranked.map((r) => r.key)).toEqual(exhaustive(corpus, ['w'], 11, 50).map((r) => r.key));
    expect(reads.reduce((s, n) => s + n, 0)).toBe(50);
  });

  it('stops among documents tied at the top of two lists after reading about a page', async () => {
    // Prepare: 1,000 documents holding both words with the same impact, so every score ties.
    const docs = Object.fromEntries(
      Array.from({ length: 1_000 }, (_, i) => [`d${String(i).padStart(4, '0')}`, { x: 700, y: 700 }]),
    );
    const corpus: Corpus = { docs, drafts: new Set() };
    // Act: a first page and the next, from its cursor.
    const reads: number[] = [];
    const first = await top(corpus, ['x', 'y'], { need: 11, dfCap: 50, chunk: 20 }, reads);
    const firstRead = reads.reduce((s, n) => s + n, 0);
    const second = await top(corpus, ['x', 'y'], { need: 11, dfCap: 50, chunk: 20, after: first[9] }, reads);
    // Assess: the first read of each list only (the weights need it), not the 2,000 postings; and
    // exactly the exhaustive ranking, ties by key.
    const all = exhaustive(corpus, ['x', 'y'], Infinity, 50);
    expect(first).toEqual(all.slice(0, 11));
    expect(second).toEqual(all.slice(10, 21));
    expect(firstRead).toBe(2 * 50);
    expect(reads.reduce((s, n) => s + n, 0) - firstRead).toBe(2 * 50);
  });

  it('reads on while a document not seen yet could still beat the page', async () => {
    // Prepare: p and q lead one list each but are weak in the other; r is second in both and best.
    const fillers = Object.fromEntries(['f1', 'f2', 'f3'].map((k) => [k, { x: 5, y: 5 }]));
    const corpus: Corpus = {
      docs: { p: { x: 1000, y: 10 }, q: { x: 10, y: 1000 }, r: { x: 900, y: 900 }, ...fillers },
      drafts: new Set(),
    };
    // Act
    const ranked = await top(corpus, ['x', 'y'], { need: 1, dfCap: 1, chunk: 1 });
    // Assess
    expect(ranked.map((r) => r.key)).toEqual(['r']);
  });

  it('ranks, pages and stops early exactly as reading every posting would, on random corpora', async () => {
    const words = ['a', 'b', 'c', 'd'];
    const corpus = fc.record({
      docs: fc.dictionary(
        fc.stringMatching(/^[a-z]{1,3}$/),
        fc.dictionary(
          fc.constantFrom(...words),
          // Few impacts, so that many documents tie (as BM25's coarse impacts do): the stop among ties.
          fc.integer({ min: 1, max: 3 }).map((i) => i * 100),
          { maxKeys: 4 },
        ),
        { minKeys: 5, maxKeys: 60, size: 'max' },
      ),
      drafts: fc.array(fc.stringMatching(/^[a-z]{1,3}$/), { maxLength: 5 }).map((d) => new Set(d)),
    });
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.uniqueArray(fc.constantFrom(...words), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        async (c, q, limit, dfCap, chunk, drafts, lookupsPerRound) => {
          // Act: every page, each from the cursor of the one before.
          const pages: Ranked[] = [];
          let after: RankCursor | undefined;
          let weights: number[] | undefined;
          for (let i = 0; i < 50; i++) {
            const { ranked, weights: w } = await topWith(c, q, {
              need: limit + 1,
              after,
              weights,
              dfCap,
              chunk,
              drafts,
              lookupsPerRound,
            });
            weights = w;
            pages.push(...ranked.slice(0, limit));
            if (ranked.length <= limit) break;
            after = ranked[limit - 1];
          }
          // Assess
          expect(pages).toEqual(exhaustive(c, q, Infinity, dfCap, drafts));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/**
 * The search index in memory (shared/domain/search-memory.ts) holding `docs`, as a search's context
 * (views already current); `reads` counts the postings each read of a list hands out.
 */
const memoryIndex = (docs: IndexedDoc[], reads: number[]) => {
  const index = new MemoryIndex();
  for (const d of docs) index.put({ ...d, texts: ['x'], retracted: false });
  const source = index.postingSource.bind(index);
  index.postingSource = (term, scenario) => {
    const list = source(term, scenario);
    return {
      read: async (limit) => {
        const page = await list.read(limit);
        reads.push(page.postings.length);
        return page;
      },
    };
  };
  return { ready: async () => undefined, index };
};

/**
 * The reference for rankedMatches: every document holding every word (in the scenario, when one is
 * named) scored, best first; ties by scenario, thread, update across scenarios, by thread and update
 * in one.
 */
const exhaustiveMatches = (
  docs: IndexedDoc[],
  words: string[],
  scenario: string | undefined,
  drafts: boolean,
) => {
  const inScope = docs.filter((d) => scenario === undefined || d.scenario === scenario);
  const weights = words.map((w) => wordWeight(inScope.filter((d) => d.terms[w] !== undefined).length));
  const tie = (d: IndexedDoc) => [
    ...(scenario === undefined ? [d.scenario] : []),
    d.threadId,
    d.updateId ?? '',
  ];
  return inScope
    .filter((d) => words.every((w) => d.terms[w] !== undefined) && (drafts || !d.draft))
    .map((d) => ({ d, score: words.reduce((s, w, i) => s + weights[i]! * impactIn(d, w)!, 0) }))
    .sort((a, b) => {
      if (a.score !== b.score) return b.score - a.score;
      const [x, y] = [tie(a.d), tie(b.d)];
      const i = x.findIndex((v, j) => v !== y[j]);
      return x[i]! < y[i]! ? -1 : 1;
    })
    .map(({ d, score }) => ({ scenario: d.scenario, threadId: d.threadId, updateId: d.updateId, score }));
};

describe('search matches over the index (rank keys and list order)', () => {
  const words = ['x', 'y', 'z'];
  /** Documents over three scenarios whose slugs sort unlike their `#`-joined keys would if `#` did not end them. */
  const scenarios = ['s', 's-1', 's1'];
  const corpus = fc
    .array(
      fc.record({
        scenario: fc.constantFrom(...scenarios),
        threadId: fc.constantFrom('t', 't-2', 't2', 'u'),
        updateId: fc.option(fc.stringMatching(/^[0-9A-Z]{1,2}$/), { nil: undefined }),
        // Frequencies 1–2 and two lengths: a handful of impacts, so that most scores tie.
        terms: fc.dictionary(fc.constantFrom(...words), fc.integer({ min: 1, max: 2 }), { minKeys: 1 }),
        n: fc.constantFrom(lengthBucket(40), lengthBucket(80)),
        draft: fc.integer({ min: 0, max: 9 }).map((i) => i === 0),
      }),
      { minLength: 110, maxLength: 260 },
    )
    .map((ds) => [...new Map(ds.map((d) => [docKeyOf(d), d as IndexedDoc])).values()]);

  it('pages exactly as the exhaustive ranking, across scenarios and in one, with many ties', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.uniqueArray(fc.constantFrom(...words), { minLength: 1, maxLength: 2 }),
        fc.option(fc.constantFrom(...scenarios), { nil: undefined }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        async (docs, q, scenario, limit, drafts) => {
          // Act: every page, each from the cursor of the one before, as searchPage hands it out.
          const ctx = { search: memoryIndex(docs, []) };
          const query = { q: q.join(' '), scenario, drafts };
          const pages: { scenario: string; threadId: string; updateId?: string; score: number }[] = [];
          let after: { score: number; key: string; weights: number[] } | undefined;
          for (let i = 0; i < 300; i++) {
            const { ranked, weights } = await rankedMatches(ctx, query, limit + 1, after);
            pages.push(
              ...ranked.slice(0, limit).map((r) => ({
                scenario: r.doc.scenario,
                threadId: r.doc.threadId,
                updateId: r.doc.updateId,
                score: r.score,
              })),
            );
            if (ranked.length <= limit) break;
            after = { ...ranked[limit - 1]!, weights };
          }
          // Assess
          expect(pages).toEqual(exhaustiveMatches(docs, q, scenario, drafts));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers two words common everywhere, tied, from about a page of each list', async () => {
    // Prepare: 900 documents over three scenarios, each holding both words once at the same length.
    const docs: IndexedDoc[] = Array.from({ length: 900 }, (_, i) => ({
      scenario: scenarios[i % 3]!,
      threadId: `t${String(i % 30).padStart(2, '0')}`,
      updateId: `U${String(i).padStart(4, '0')}`,
      terms: { x: 1, y: 1 },
      n: lengthBucket(60),
      draft: false,
    }));
    const reads: number[] = [];
    // Act: a first page of 20, across scenarios, and one in a scenario.
    const across = await rankedMatches({ search: memoryIndex(docs, reads) }, { q: 'x y', drafts: false }, 21);
    const acrossRead = reads.reduce((s, n) => s + n, 0);
    const inOne = await rankedMatches(
      { search: memoryIndex(docs, reads) },
      { q: 'x y', scenario: 's1', drafts: false },
      21,
    );
    // Assess: the first read of each list (100 postings, what the weights need), not 1,800; and the
    // exhaustive answer.
    const doc = (r: { doc: IndexedDoc; score: number }) => ({
      scenario: r.doc.scenario,
      threadId: r.doc.threadId,
      updateId: r.doc.updateId,
      score: r.score,
    });
    expect(across.ranked.map(doc)).toEqual(
      exhaustiveMatches(docs, ['x', 'y'], undefined, false).slice(0, 21),
    );
    expect(inOne.ranked.map(doc)).toEqual(exhaustiveMatches(docs, ['x', 'y'], 's1', false).slice(0, 21));
    expect(acrossRead).toBe(2 * 100);
    expect(reads.reduce((s, n) => s + n, 0) - acrossRead).toBe(2 * 100);
  });
});

describe('the search index in memory', () => {
  const doc = (
    threadId: string,
    updateId: string | undefined,
    scenario: string,
    terms: Record<string, number>,
  ) =>
    ({
      scenario,
      threadId,
      ...(updateId ? { updateId } : {}),
      terms,
      n: lengthBucket(60),
      draft: false,
      texts: [],
      retracted: false,
    }) as SearchDoc;
  const list = async (index: MemoryIndex, term: string, scenario?: string) =>
    (await index.postingSource(term, scenario).read(1_000)).postings.map((p) => p.key);

  it('moves a document between scenarios when it is put again, and forgets a removed thread', async () => {
    // Prepare
    const index = new MemoryIndex();
    index.put(doc('t1', 'U1', 's', { x: 1 }));
    index.put(doc('t1', undefined, 's', { x: 2 }));
    index.put(doc('t2', 'U2', 's1', { x: 1 }));
    // Act: t1's update moves to s1 with its thread; then t2 goes.
    index.put(doc('t1', 'U1', 's1', { x: 1 }));
    const afterMove = {
      s: await list(index, 'x', 's'),
      s1: await list(index, 'x', 's1'),
      all: await list(index, 'x'),
    };
    index.removeThread('t2');
    // Assess: one entry per document in each list, in impact then key order.
    expect(afterMove).toEqual({ s: ['t1#'], s1: ['t1#U1', 't2#U2'], all: ['s#t1#', 's1#t1#U1', 's1#t2#U2'] });
    expect(await list(index, 'x')).toEqual(['s#t1#', 's1#t1#U1']);
    expect(index.threadDocs('t2')).toEqual([]);
    expect(index.size).toBe(2);
  });

  it('keeps each list in descending impact, ties by key, whatever the order documents come in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c'),
            fc.constantFrom('U1', 'U2', undefined),
            fc.integer({ min: 1, max: 3 }),
            fc.boolean(),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          // Prepare/Act: puts and removes in any order.
          const index = new MemoryIndex();
          const now = new Map<string, SearchDoc>();
          for (const [t, u, f, keep] of ops) {
            const d = doc(t, u, 's', { x: f });
            if (keep) {
              index.put(d);
              now.set(docKeyOf(d), d);
            } else {
              index.remove(docKeyOf(d));
              now.delete(docKeyOf(d));
            }
          }
          // Assess: the list is exactly the documents now held, sorted as topAfter reads.
          const want = [...now.values()]
            .map((d) => ({ key: docKeyOf(d), impact: impactIn(d, 'x')! }))
            .sort((a, b) => b.impact - a.impact || (a.key < b.key ? -1 : 1))
            .map((e) => e.key);
          expect(await list(index, 'x', 's')).toEqual(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('what is searchable of an item', () => {
  it('makes a document of a thread or update item, with its snippet texts and retraction', () => {
    const update = searchDocOf(
      { summary: 'Talks in Riyadh.', quotes: [{ speaker: 'P', text: 'Q' }], retracted: true },
      { threadId: 't1', updateId: 'U1' },
      's',
    );
    expect(update).toMatchObject({
      scenario: 's',
      threadId: 't1',
      updateId: 'U1',
      retracted: true,
      draft: false,
    });
    expect(update.texts).toEqual(['Talks in Riyadh.', 'P: Q']);
    expect(Object.keys(update.terms).sort()).toEqual(['in', 'p', 'q', 'riyadh', 'talks']);
    expect(searchDocOf({ title: 'T', summary: 'S' }, { threadId: 't1' }, 's').texts).toEqual(['T', 'S']);
  });

  it('reads keywords when a thread has them, and quotes and source titles of an update', () => {
    expect(searchFieldsOf({ title: 'T', summary: 'S', keywords: ['k1', 'k2'] }, false)).toEqual({
      title: ['T'],
      summary: ['S'],
      keywords: ['k1', 'k2'],
    });
    expect(searchFieldsOf({ title: 'T', summary: 'S' }, false).keywords).toEqual([]);
    expect(
      searchFieldsOf(
        {
          summary: 'S',
          quotes: [{ speaker: 'P', text: 'Q' }],
          sources: [{ url: 'u', title: 'Src' }, { url: 'v' }],
        },
        true,
      ),
    ).toEqual({ summary: ['S'], quotes: ['P', 'Q'], sources: ['Src'] });
  });
});
