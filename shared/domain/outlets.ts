import { getDomain, getHostname } from 'tldts';

/**
 * The outlet of a source URL: its registrable domain by the Public Suffix List (`news.bbc.co.uk` →
 * `bbc.co.uk`, `www.theguardian.com` → `theguardian.com`), so a desk's subdomains and mirrors count
 * as one outlet. A host with no registrable domain (an IP address, `localhost`) is its own outlet.
 */
export function outletOf(url: string): string | null {
  const domain = getDomain(url);
  if (domain) return domain.toLowerCase();
  const host = getHostname(url);
  return host ? host.toLowerCase() : null;
}

/**
 * The distinct outlets an update's sources name. An update accepted from the news inbox carries the
 * article's URL first and then its syndicated copies: the copies are the same story, never a second
 * outlet (contract 1.2 "Corroboration"), so only the first counts.
 */
export function outletsOf(u: { sources?: readonly { url: string }[]; inboxItem?: string | null }): string[] {
  const sources = u.sources ?? [];
  const counted = u.inboxItem ? sources.slice(0, 1) : sources;
  return [...new Set(counted.map((s) => outletOf(s.url)).filter((o): o is string => o !== null))].sort();
}
