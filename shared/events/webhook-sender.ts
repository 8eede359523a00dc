import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { BlockedAddress, bareHost, connectionRefusal, guardedLookup, type LookupAll } from './outbound-url';

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
  const refusal = connectionRefusal(url, options.allowPrivate);
  if (refusal)
    return Promise.resolve({ delivered: false, responseStatus: null, error: `refused: ${refusal}` });
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
