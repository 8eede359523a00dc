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
 * The check runs when subscribing (every address the name resolves to) and again at delivery on the
 * very addresses connected to (webhook-sender.ts pins them), so a DNS answer that changes after the
 * subscription was made cannot reach the inside.
 */

/** Every address a name resolves to, as dns.lookup({ all: true }) gives them. */
export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** A routable public address: ipaddr.js's `unicast` range, after unwrapping IPv4-mapped IPv6. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
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
