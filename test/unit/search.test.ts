import { rank } from '../../shared/domain/search-rank';
import { normalize, queryTerms, snippet, termWeights, terms } from '../../shared/domain/search-text';
import { searchFieldsOf } from '../../shared/app/search-indexer';
import { bucketLength, lengthBucket, searchDocOf } from '../../shared/store/search-index';

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

describe('search ranking (BM25)', () => {
  const posting = (key: string, tf: number, length = 10) => ({ doc: key, key, tf, length });

  it('keeps only documents holding every word', () => {
    const ranked = rank({
      words: [
        { df: 2, postings: [posting('a', 1), posting('b', 1)] },
        { df: 1, postings: [posting('b', 1)] },
      ],
    });
    expect(ranked.map((r) => r.key)).toEqual(['b']);
  });

  it('ranks a higher frequency, a shorter document and a rarer word first', () => {
    const freq = rank({ words: [{ df: 2, postings: [posting('once', 1), posting('thrice', 3)] }] });
    expect(freq.map((r) => r.key)).toEqual(['thrice', 'once']);
    const short = rank({ words: [{ df: 2, postings: [posting('long', 1, 40), posting('short', 1, 5)] }] });
    expect(short.map((r) => r.key)).toEqual(['short', 'long']);
    // Both hold both words; a holds the rare word twice, b the common one: a first.
    const rarer = rank({
      words: [
        { df: 2, postings: [posting('a', 2), posting('b', 1)] },
        { df: 50, postings: [posting('a', 1), posting('b', 2)] },
      ],
    });
    expect(rarer.map((r) => r.key)).toEqual(['a', 'b']);
  });

  it('orders equal scores by key, so pages are stable', () => {
    const ranked = rank({
      words: [{ df: 3, postings: [posting('c', 1), posting('a', 1), posting('b', 1)] }],
    });
    expect(ranked.map((r) => r.key)).toEqual(['a', 'b', 'c']);
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
