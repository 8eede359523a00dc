import { feedEntries } from '../../shared/domain/feed-entries';
import { atom, jsonFeed, rss } from '../support/feed-server';

/** Feed parsing (shared/domain/feed-entries.ts): the three formats told apart by content, entries as the inbox takes them. */
describe('feed entries', () => {
  const BASE = 'https://wire.example.org/feeds/main.xml';

  it.each([
    ['RSS 2.0', rss, 'rss'],
    ['Atom 1.0', atom, 'atom'],
    ['JSON Feed 1.1', jsonFeed, 'json'],
  ] as const)('reads %s by its content, with title, summary, url, date and language', (_, render, format) => {
    // Prepare
    const text = render([
      {
        title: 'Zelensky and Putin: no meeting in Istanbul',
        summary: 'The Kremlin sent a lower-level delegation.',
        url: 'https://wire.example.org/a',
        publishedAt: '2025-05-15T08:30:00.000Z',
        language: 'en',
      },
    ]);
    // Act
    const feed = feedEntries(text, BASE);
    // Assess
    expect(feed).toEqual({
      format,
      entries: [
        {
          title: 'Zelensky and Putin: no meeting in Istanbul',
          summary: 'The Kremlin sent a lower-level delegation.',
          url: 'https://wire.example.org/a',
          publishedAt: '2025-05-15T08:30:00.000Z',
          language: 'en',
        },
      ],
    });
  });

  it('resolves a relative link against the feed, strips markup and decodes entities', () => {
    // Prepare
    const text = `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><link>https://wire.example.org/</link><description>d</description>
      <language>uk-UA</language>
      <item><title>Talks &amp;amp; &lt;b&gt;sanctions&lt;/b&gt;</title><link>/2025/05/a</link><description>&lt;p&gt;First&amp;nbsp;paragraph.&lt;/p&gt;</description></item>
    </channel></rss>`;
    // Act
    const feed = feedEntries(text, BASE);
    // Assess
    expect(feed?.entries).toEqual([
      {
        title: 'Talks & sanctions',
        summary: 'First paragraph.',
        url: 'https://wire.example.org/2025/05/a',
        language: 'uk',
      },
    ]);
  });

  it('leaves out entries with no http(s) link or no text, and keeps the feed order', () => {
    const text = rss([
      { title: 'One', url: 'https://wire.example.org/1' },
      { title: 'Mail', url: 'mailto:desk@example.org' },
      { title: 'Two', url: 'https://wire.example.org/2' },
    ]);
    expect(feedEntries(text, BASE)?.entries.map((e) => e.title)).toEqual(['One', 'Two']);
  });

  it.each([
    ['a web page', '<!doctype html><html><head><title>Hi</title></head><body>x</body></html>'],
    ['plain text', 'not a feed at all'],
    ['JSON that is no feed', '{"items": 3}'],
    [
      'RSS 1.0 (RDF), none of the three formats',
      '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>T</title><link>https://x.org</link><description>d</description></channel><item rdf:about="https://x.org/a"><title>A</title><link>https://x.org/a</link></item></rdf:RDF>',
    ],
  ])('is not a feed: %s', (_, text) => {
    expect(feedEntries(text, BASE)).toBeNull();
  });
});
