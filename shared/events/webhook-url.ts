import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { InvalidSubscriptionUrlError } from '../domain/errors';

/**
 * Server-side request forgery guard for subscription URLs. Without it an admin token (or whoever
 * steals one) could make the server POST to the cloud metadata service, a database on the private
 * network or the server's own loopback port, and read the answer back in the delivery log.
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
 * The check runs when subscribing (every address the name resolves to) and again at delivery on the
 * very addresses connected to (webhook-sender.ts pins them), so a DNS answer that changes after the
 * subscription was made cannot reach the inside.
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

/** The URL, parsed, if it is http(s) at all (whatever the setting says); else 422. */
export function parseSubscriptionUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidSubscriptionUrlError('url must be an absolute http or https URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new InvalidSubscriptionUrlError(`url must be http or https, not ${url.protocol.slice(0, -1)}.`);
  return url;
}

export interface UrlPolicy {
  /** TRACKER_ALLOW_PRIVATE_WEBHOOKS: lifts both rules (https only, public addresses only). */
  allowPrivate: boolean;
  lookup: LookupAll;
}

/**
 * Check a subscription URL when it is given: http(s) always; unless private webhooks are allowed,
 * https and every resolved address public. A name that does not resolve is refused too: it could not
 * be checked. Returns the parsed URL.
 */
export async function checkSubscriptionUrl(raw: string, policy: UrlPolicy): Promise<URL> {
  const url = parseSubscriptionUrl(raw);
  if (policy.allowPrivate) return url;
  if (url.protocol !== 'https:') throw new InvalidSubscriptionUrlError('url must use https.');
  const host = bareHost(url);
  if (isIP(host)) {
    if (!isPublicAddress(host))
      throw new InvalidSubscriptionUrlError(`url points at ${host}, which is not a public address.`);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await policy.lookup(host);
  } catch {
    throw new InvalidSubscriptionUrlError(`url host ${host} does not resolve.`);
  }
  if (addresses.length === 0) throw new InvalidSubscriptionUrlError(`url host ${host} does not resolve.`);
  const inside = addresses.find((a) => !isPublicAddress(a.address));
  if (inside)
    throw new InvalidSubscriptionUrlError(
      `url host ${host} resolves to ${inside.address}, which is not a public address.`,
    );
  return url;
}
