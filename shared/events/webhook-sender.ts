import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { bareHost, isPublicAddress, type LookupAll } from './webhook-url';

import { WEBHOOK_TIMEOUT_MS } from '../domain/limits';

export interface AttemptOutcome {
  delivered: boolean;
  /** The subscriber's status code, or null when there was no answer (refused, timed out, blocked). */
  responseStatus: number | null;
  /** Why it failed, in a few words (never the subscriber's body); null when delivered. */
  error: string | null;
}

export interface SignedPost {
  url: string;
  /** The whole `whsec_…` secret. */
  secret: string;
  /** The event id: webhook-id, the same on every attempt. */
  id: string;
  /** When this attempt is made (webhook-timestamp). */
  at: Date;
  body: string;
}

/**
 * The Standard Webhooks 1.0 headers of one attempt, signed by the specification's reference
 * implementation: `v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))`.
 */
export function signedHeaders(
  post: Pick<SignedPost, 'secret' | 'id' | 'at' | 'body'>,
): Record<string, string> {
  const signature = new Webhook(post.secret).sign(post.id, post.at, post.body);
  return {
    'webhook-id': post.id,
    'webhook-timestamp': String(Math.floor(post.at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

export interface SendOptions {
  allowPrivate: boolean;
  lookup: LookupAll;
  timeoutMs?: number;
}

class BlockedAddress extends Error {}

/**
 * A `lookup` for the socket that resolves with ours and refuses the whole answer if any address is
 * not public: the address connected to is one that was checked, in the same call (no second lookup
 * that a rebinding DNS server could answer differently).
 */
function guardedLookup(lookup: LookupAll, allowPrivate: boolean): LookupFunction {
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

/**
 * One signed POST of an event. Never throws: every failure is an outcome to record. No redirect is
 * followed (a 3xx is a failure), no connection is reused, and the answer's body is not read.
 */
export function sendWebhook(post: SignedPost, options: SendOptions): Promise<AttemptOutcome> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return Promise.resolve({ delivered: false, responseStatus: null, error: 'the URL is not valid' });
  }
  const host = bareHost(url);
  if (url.protocol !== 'https:' && (url.protocol !== 'http:' || !options.allowPrivate)) {
    return Promise.resolve({
      delivered: false,
      responseStatus: null,
      error: `refused: ${url.protocol} URLs are not allowed`,
    });
  }
  // A literal address never goes through lookup: check it here.
  if (isIP(host) && !options.allowPrivate && !isPublicAddress(host)) {
    return Promise.resolve({
      delivered: false,
      responseStatus: null,
      error: `refused: ${host} is not a public address`,
    });
  }
  const body = Buffer.from(post.body, 'utf8');
  const requestOptions: RequestOptions = {
    method: 'POST',
    hostname: host,
    port: url.port || undefined,
    path: `${url.pathname}${url.search}`,
    headers: {
      ...signedHeaders(post),
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'scenario-tracker-webhooks/1.1',
      ...(url.username
        ? {
            authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`,
          }
        : {}),
    },
    agent: false,
    lookup: guardedLookup(options.lookup, options.allowPrivate),
  };
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(requestOptions, (res) => {
      const status = res.statusCode ?? 0;
      // The status line is the answer; the body is the subscriber's business.
      res.resume();
      res.on('error', () => undefined);
      finish({
        delivered: status >= 200 && status < 300,
        responseStatus: status,
        error: status >= 200 && status < 300 ? null : `answered ${status}`,
      });
      req.destroy();
    });
    const timer = setTimeout(() => {
      finish({ delivered: false, responseStatus: null, error: `no answer within ${timeoutMs / 1000} s` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error instanceof BlockedAddress
          ? `refused: ${error.message}`
          : error.code
            ? `${error.code}: ${error.message}`
            : error.message;
      finish({ delivered: false, responseStatus: null, error: why.slice(0, 300) });
    });
    req.end(body);
  });
}
