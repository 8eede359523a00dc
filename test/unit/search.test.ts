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
import { searchFieldsOf } from '../../shared/app/search-indexer';
import { bucketLength, lengthBucket, searchDocOf } from '../../shared/store/search-index';

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
          fc.integer({ min: 1, max: 6 }).map((i) => i * 100),
          { maxKeys: 4 },
        ),
        { minKeys: 5, maxKeys: 40, size: 'max' },
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

describe('what the indexer reads of a stream record', () => {
  it('indexes thread and update items only', () => {
    const keys = (pk: string, sk: string) => ({ PK: { S: pk }, SK: { S: sk } });
    expect(searchDocOf(keys('THREAD#t1', '#THREAD'))).toEqual({ threadId: 't1' });
    expect(searchDocOf(keys('THREAD#t1', 'UPDATE#01ABC'))).toEqual({ threadId: 't1', updateId: '01ABC' });
    expect(searchDocOf(keys('THREAD#t1', 'REVISION#01ABC#0001'))).toBeNull();
    expect(searchDocOf(keys('OUTBOX#3', '01ABC'))).toBeNull();
    expect(searchDocOf(keys('SEARCH#budapest', 's#t1#'))).toBeNull();
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
