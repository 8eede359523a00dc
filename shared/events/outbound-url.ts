import { promises as dns } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidSourceUrlError, InvalidSubscriptionUrlError } from '../domain/errors';

/**
 * Server-side request forgery guard for every URL the server connects to on someone's say-so:
 * webhook subscriptions and news sources (contract 1.2), one set of rules in one place. Without it
 * an admin token (or whoever steals one) could make the server POST to (or fetch from) the cloud
 * metadata service, a database on the private network or the server's own loopback port, and read
 * the answer back in the delivery log or the inbox.
 *
 * The address ranges come from ipaddr.js, not a hand-written list: only its `unicast` range (public,
 * routable) is allowed, so loopback, private, link-local (169.254.169.254 included), carrier-grade
 * NAT, unique-local, multicast, reserved, unspecified, 6to4/Teredo/NAT64 and the rest are refused.
 * IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is turned into its IPv4 form first. Decimal, octal and hex
 * IPv4 forms (`https://2130706433`, `https://0177.0.0.1`) are normalised by the WHATWG URL parser
 * before they get here.
 *
 * ipaddr.js calls every IPv6 address outside its named ranges `unicast`, the deprecated
 * IPv4-compatible `::/96` included — and `[::127.0.0.1]` or `[::a9fe:a9fe]` (169.254.169.254) reach
 * the inside on hosts that still route them. So an IPv6 address must also be global unicast
 * (`2000::/3`, the only block IANA hands out for public addresses): that refuses `::/96` and every
 * other unallocated or special block ipaddr.js has no name for. docs/security.md lists the ranges;
 * test/http/webhook-ssrf.test.ts checks the list against this rule and ipaddr.js's ranges.
 *
 * The check runs when a URL is given (every address the name resolves to: `checkOutboundUrl`) and
 * again on every connection, redirects included, on the very addresses connected to (`connectionRefusal`
 * and `guardedLookup`, used by webhook-sender.ts and feed-fetcher.ts), so a DNS answer that changes
 * after the URL was accepted cannot reach the inside.
 */

/** Every address a name resolves to, as dns.lookup({ all: true }) gives them. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** The one IPv6 block of public addresses (RFC 4291 global unicast); everything outside is refused. */
export const GLOBAL_UNICAST_IPV6 = '2000::/3';
const globalUnicast = ipaddr.parseCIDR(GLOBAL_UNICAST_IPV6);

/**
 * A routable public address: ipaddr.js's `unicast` range, after unwrapping IPv4-mapped IPv6, and
 * for IPv6 inside 2000::/3 as well.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  if (parsed.range() !== 'unicast') return false;
  return parsed.kind() === 'ipv4' || parsed.match(globalUnicast);
}

/** The host as a socket wants it: IPv6 literals without their brackets. */
export const bareHost = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** How a refusal becomes the route's error (422 with its own code). */
export type Refuse = (detail: string) => Error;

/** The URL, parsed, if it is http(s) at all (whatever the setting says); else refused. */
export function parseOutboundUrl(raw: string, refuse: Refuse): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('url must be an absolute http or https URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refuse(`url must be http or https, not ${url.protocol.slice(0, -1)}.`);
  return url;
}

export interface UrlPolicy {
  /** TRACKER_ALLOW_PRIVATE_WEBHOOKS: lifts both rules (https only, public addresses only). */
  allowPrivate: boolean;
  lookup: LookupAll;
}

/**
 * Check a URL when it is given: http(s) always; unless private addresses are allowed, https and
 * every resolved address public. A name that does not resolve is refused too: it could not be
 * checked. Returns the parsed URL.
 */
export async function checkOutboundUrl(raw: string, policy: UrlPolicy, refuse: Refuse): Promise<URL> {
  const url = parseOutboundUrl(raw, refuse);
  if (policy.allowPrivate) return url;
  if (url.protocol !== 'https:') throw refuse('url must use https.');
  const host = bareHost(url);
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw refuse(`url points at ${host}, which is not a public address.`);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await policy.lookup(host);
  } catch {
    throw refuse(`url host ${host} does not resolve.`);
  }
  if (addresses.length === 0) throw refuse(`url host ${host} does not resolve.`);
  const inside = addresses.find((a) => !isPublicAddress(a.address));
  if (inside) throw refuse(`url host ${host} resolves to ${inside.address}, which is not a public address.`);
  return url;
}

/** A webhook subscription's URL: 422 `invalid_subscription_url` when refused. */
export const checkSubscriptionUrl = (raw: string, policy: UrlPolicy): Promise<URL> =>
  checkOutboundUrl(raw, policy, (detail) => new InvalidSubscriptionUrlError(detail));

/** A news source's URL (contract 1.2): the same rules, 422 `invalid_source_url` when refused. */
export const checkSourceUrl = (raw: string, policy: UrlPolicy): Promise<URL> =>
  checkOutboundUrl(raw, policy, (detail) => new InvalidSourceUrlError(detail));

/**
 * Why a connection to `url` may not even be tried, before any lookup: a scheme other than https
 * (plain http only when private addresses are allowed), or a literal address that is not public (a
 * literal never goes through the lookup). Null when it may be tried; `guardedLookup` checks names.
 */
export function connectionRefusal(url: URL, allowPrivate: boolean): string | null {
  if (url.protocol !== 'https:' && (url.protocol !== 'http:' || !allowPrivate))
    return `${url.protocol} URLs are not allowed`;
  const host = bareHost(url);
  if (isIP(host) && !allowPrivate && !isPublicAddress(host)) return `${host} is not a public address`;
  return null;
}

/** A connection refused by `guardedLookup`: the name resolved to an address that is not public. */
export class BlockedAddress extends Error {}

/**
 * A `lookup` for the socket that resolves with ours and refuses the whole answer if any address is
 * not public: the address connected to is one that was checked, in the same call (no second lookup
 * that a rebinding DNS server could answer differently).
 */
export function guardedLookup(lookup: LookupAll, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname).then(
      (all) => {
        const family = typeof options === 'object' && options.family ? Number(options.family) : 0;
        const usable = family ? all.filter((a) => a.family === family) : all;
        if (usable.length === 0)
          return callback(
            Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }),
            '',
            4,
          );
        const inside = allowPrivate ? undefined : usable.find((a) => !isPublicAddress(a.address));
        if (inside)
          return callback(
            new BlockedAddress(`${hostname} resolved to ${inside.address}, which is not a public address`),
            '',
            4,
          );
        if (typeof options === 'object' && options.all)
          return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
        return callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}
