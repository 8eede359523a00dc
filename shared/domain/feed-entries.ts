import { parseFeed } from 'feedsmith';

/**
 * A feed's entries, whatever its format: RSS 2.0, Atom 1.0 or JSON Feed 1.1, told apart by content
 * (feedsmith's detection), never by URL or Content-Type (feeds are served as text/xml, text/html,
 * application/octet-stream...). docs/architecture.md says why feedsmith.
 */

/** One entry as the inbox receives it (shared/app/inbox.ts `InboxEntry`, less the scenario). */
export interface FeedEntry {
  url: string;
  title: string;
  summary?: string;
  publishedAt?: string;
  language?: string;
}

export type FeedFormat = 'rss' | 'atom' | 'json';

/** Atom text constructs come as `{ value, type }`; RSS and JSON Feed as plain strings. */
const textOf = (t: unknown): string | undefined => {
  const raw =
    typeof t === 'string' ? t : t && typeof t === 'object' ? (t as { value?: unknown }).value : undefined;
  return typeof raw === 'string' ? plain(raw) : undefined;
};

/** Markup out, entities decoded, blanks folded: titles and summaries are shown and matched as text. */
const plain = (s: string): string =>
  s
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (_, e: string) => {
      const lower = e.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }[lower] ?? '';
    })
    .replace(/\s+/g, ' ')
    .trim();

/** A date the feed gives, as an ISO instant; undefined when absent or not a date. */
const isoOf = (d: unknown): string | undefined => {
  if (typeof d !== 'string' && !(d instanceof Date)) return undefined;
  const ms = new Date(d).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

/** An ISO 639-1 code from a language tag (`en-GB` → `en`); undefined otherwise. */
const languageOf = (tag: unknown): string | undefined => {
  if (typeof tag !== 'string') return undefined;
  const code = tag.trim().slice(0, 2).toLowerCase();
  return /^[a-z]{2}$/.test(code) && (tag.trim().length === 2 || /^[a-z]{2}[-_]/i.test(tag.trim()))
    ? code
    : undefined;
};

/** An absolute http(s) URL, resolved against the feed's own URL; undefined otherwise. */
const urlOf = (href: unknown, base: string): string | undefined => {
  if (typeof href !== 'string' || href.trim() === '') return undefined;
  try {
    const url = new URL(href.trim(), base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
};

/** A parsed feed's object, read by path: what is absent or of another shape is undefined. */
type Loose = { readonly [key: string]: unknown };
const get = (o: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Loose)[k] : undefined), o);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const entry = (
  url: string | undefined,
  title: string | undefined,
  summary: string | undefined,
  publishedAt: string | undefined,
  language: string | undefined,
): FeedEntry | null => {
  if (!url) return null;
  // An entry without a title is named by its summary's start (RSS allows either alone).
  const name = title || summary?.slice(0, 200);
  if (!name) return null;
  return {
    url,
    title: name.slice(0, 200),
    ...(summary ? { summary: summary.slice(0, 2000) } : {}),
    ...(publishedAt ? { publishedAt } : {}),
    ...(language ? { language } : {}),
  };
};

/**
 * The entries of a feed document, in the feed's order, each with an absolute http(s) URL and a
 * title; entries without either are left out. Null when the text is not a feed of the three formats.
 */
export function feedEntries(
  text: string,
  feedUrl: string,
): { format: FeedFormat; entries: FeedEntry[] } | null {
  let parsed: { format: string; feed: unknown };
  try {
    parsed = parseFeed(text) as { format: string; feed: unknown };
  } catch {
    return null;
  }
  const feed = parsed.feed;
  switch (parsed.format) {
    case 'rss': {
      const channelLanguage = languageOf(get(feed, 'language') ?? get(feed, 'dc', 'languages', 0));
      const entries = list(get(feed, 'items')).map((i) =>
        entry(
          urlOf(
            get(i, 'link') ?? (get(i, 'guid', 'isPermaLink') !== false ? get(i, 'guid', 'value') : undefined),
            feedUrl,
          ),
          textOf(get(i, 'title')),
          textOf(get(i, 'description') ?? get(i, 'content', 'encoded')),
          isoOf(get(i, 'pubDate') ?? get(i, 'dc', 'dates', 0)),
          languageOf(get(i, 'dc', 'languages', 0)) ?? channelLanguage,
        ),
      );
      return { format: 'rss', entries: entries.filter((e): e is FeedEntry => e !== null) };
    }
    case 'atom': {
      const feedLanguage = languageOf(get(feed, 'lang') ?? get(feed, 'dc', 'languages', 0));
      const entries = list(get(feed, 'entries')).map((e) => {
        const links = list(get(e, 'links'));
        const link = links.find((l) => !get(l, 'rel') || get(l, 'rel') === 'alternate') ?? links[0];
        return entry(
          urlOf(get(link, 'href'), feedUrl),
          textOf(get(e, 'title')),
          textOf(get(e, 'summary') ?? get(e, 'content')),
          isoOf(get(e, 'published') ?? get(e, 'updated')),
          languageOf(get(e, 'lang') ?? get(e, 'dc', 'languages', 0)) ?? feedLanguage,
        );
      });
      return { format: 'atom', entries: entries.filter((e): e is FeedEntry => e !== null) };
    }
    case 'json': {
      const feedLanguage = languageOf(get(feed, 'language'));
      const entries = list(get(feed, 'items')).map((i) =>
        entry(
          urlOf(get(i, 'url') ?? get(i, 'external_url'), feedUrl),
          textOf(get(i, 'title')),
          textOf(get(i, 'summary') ?? get(i, 'content_text') ?? get(i, 'content_html')),
          isoOf(get(i, 'date_published') ?? get(i, 'date_modified')),
          languageOf(get(i, 'language')) ?? feedLanguage,
        ),
      );
      return { format: 'json', entries: entries.filter((e): e is FeedEntry => e !== null) };
    }
    default:
      // RDF (RSS 1.0) is detected too, but is none of the contract's three formats.
      return null;
  }
}
