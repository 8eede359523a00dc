import { defaultOccurredAt, sourcesOf, updateFor } from '../../shared/app/inbox-decisions';
import type { InboxItem } from '../../shared/domain/inbox';

const item = (over: Partial<InboxItem> = {}): InboxItem => ({
  id: 'inb_01K2ABCDEFGHJKMNPQRSTVWXYZ',
  scenario: 'russia-ukraine-talks',
  source: null,
  url: 'https://www.ktoo.org/2025/08/08/trump-sets-meeting-date-with-putin-in-alaska/',
  title: 'Trump sets meeting date with Putin in Alaska',
  summary: '',
  language: 'en',
  publishedAt: '2025-08-08T20:00:00.000Z',
  firstSeenAt: '2025-08-08T20:05:00.000Z',
  outlet: 'ktoo.org',
  duplicates: ['https://apnews.com/article/x', 'https://www.wtop.com/national/2025/08/y'],
  matches: [
    {
      threadId: 'trump-putin-meeting',
      score: 0.95,
      suggestedStatus: 'scheduled',
      suggestedOccurredAt: '2025-08-15',
      suggestedPrecision: 'day',
    },
  ],
  state: 'new',
  decidedAt: null,
  decidedBy: null,
  updateId: null,
  ...over,
});

describe('what accepting an inbox item posts by default', () => {
  it('takes the suggested date when it is not in the future', () => {
    expect(defaultOccurredAt(item(), 'trump-putin-meeting', '2025-08-20T00:00:00.000Z')).toEqual({
      at: '2025-08-15T00:00:00.000Z',
      precision: 'day',
    });
  });

  it('never defaults to a suggested date in the future: publishedAt instead', () => {
    expect(defaultOccurredAt(item(), 'trump-putin-meeting', '2025-08-09T00:00:00.000Z')).toEqual({
      at: '2025-08-08T20:00:00.000Z',
      precision: 'instant',
    });
  });

  it('leaves the date to the write path (now) when there is neither', () => {
    expect(
      defaultOccurredAt(
        item({ publishedAt: null, matches: [] }),
        'trump-putin-meeting',
        '2025-08-09T00:00:00.000Z',
      ),
    ).toBeUndefined();
  });

  it('uses the match’s status, else a note, the title as summary, and the item’s links as sources', () => {
    // Act
    const matched = updateFor(item(), { threadId: 'trump-putin-meeting' }, '2025-08-20T00:00:00.000Z');
    const other = updateFor(item(), { threadId: 'ceasefire' }, '2025-08-20T00:00:00.000Z');
    // Assess
    expect(matched).toMatchObject({ status: 'scheduled', summary: item().title, inboxItem: item().id });
    expect(other.status).toBeNull();
    expect(matched.sources).toEqual([
      {
        url: item().url,
        title: item().title,
        publisher: 'ktoo.org',
        publishedAt: '2025-08-08T20:00:00.000Z',
      },
      { url: 'https://apnews.com/article/x', publisher: 'apnews.com' },
      { url: 'https://www.wtop.com/national/2025/08/y', publisher: 'wtop.com' },
    ]);
  });

  it('keeps at most 20 sources (the contract’s limit for an update)', () => {
    const many = item({ duplicates: Array.from({ length: 30 }, (_, n) => `https://example.com/${n}`) });
    expect(sourcesOf(many)).toHaveLength(20);
  });
});
