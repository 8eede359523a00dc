import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { FetchError } from '../domain/sources';
import { BlockedAddress, bareHost, connectionRefusal, guardedLookup, type LookupAll } from './outbound-url';

/**
 * One polite GET of a news feed (contract 1.2, "Sources and the news inbox"): the validators of the
 * last answer sent back exactly as received (`If-None-Match`, `If-Modified-Since`), a User-Agent that
 * names the tracker, at most `maxRedirects` redirects each checked by the outbound-address rules on
 * its own connection (shared/events/outbound-url.ts, the webhooks' checker), one deadline for the
 * whole fetch, and a cap on the bytes read (after decompression: a small gzip cannot unpack into a
 * large feed). Never throws: every failure is an outcome with the contract's word.
 */

export const USER_AGENT = 'scenario-tracker-feeds/1.2 (+https://github.com/scenario-tracker; news polling)';

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export interface FetchOptions {
  allowPrivate: boolean;
  lookup: LookupAll;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export type FetchOutcome =
  /** 2xx with a body read whole, or 304; the validators of this answer (null when it gave none). */
  | { kind: 'answered'; status: number; body: string; validators: Validators }
  /** Any other status; its Retry-After as given. */
  | { kind: 'status'; status: number; retryAfter: string | undefined }
  | { kind: 'failed'; error: FetchError; detail: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A header's value as the server sent it: the first when repeated. */
const headerValue = (res: IncomingMessage, name: string): string | null => {
  const v = res.headers[name];
  return v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v;
};

const decoded = (res: IncomingMessage): Readable => {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') return res.pipe(createGunzip());
  if (encoding === 'deflate') return res.pipe(createInflate());
  if (encoding === 'br') return res.pipe(createBrotliDecompress());
  return res;
};

export function fetchFeed(raw: string, validators: Validators, options: FetchOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let current: ReturnType<typeof httpRequest> | undefined;
    const finish = (outcome: FetchOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      current?.destroy();
      resolve(outcome);
    };
    const fail = (error: FetchError, detail: string) => finish({ kind: 'failed', error, detail });
    const timer = setTimeout(
      () => fail('timeout', `no whole answer within ${options.timeoutMs / 1000} s`),
      options.timeoutMs,
    );

    const get = (target: string, redirects: number) => {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return fail('unreachable', 'the URL is not valid');
      }
      const refusal = connectionRefusal(url, options.allowPrivate);
      if (refusal) return fail('refused_address', `refused: ${refusal}`);
      // The validators belong to the source's own URL, and go with its redirects too: they name the
      // representation the server gave last time, wherever it was served from.
      const requestOptions: RequestOptions = {
        method: 'GET',
        hostname: bareHost(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: {
          'user-agent': USER_AGENT,
          accept:
            'application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
          'accept-encoding': 'gzip, deflate, br',
          ...(validators.etag !== null ? { 'if-none-match': validators.etag } : {}),
          ...(validators.lastModified !== null ? { 'if-modified-since': validators.lastModified } : {}),
        },
        agent: false,
        lookup: guardedLookup(options.lookup, options.allowPrivate),
      };
      const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(requestOptions, (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          res.resume();
          const location = headerValue(res, 'location');
          if (!location) return fail('unreachable', `answered ${status} without a Location`);
          if (redirects >= options.maxRedirects)
            return fail('too_many_redirects', `more than ${options.maxRedirects} redirects`);
          let next: string;
          try {
            next = new URL(location, url).toString();
          } catch {
            return fail('unreachable', `answered ${status} with a Location that is not a URL`);
          }
          req.destroy();
          return get(next, redirects + 1);
        }
        const answered: Validators = {
          etag: headerValue(res, 'etag'),
          lastModified: headerValue(res, 'last-modified'),
        };
        if (status === 304) {
          res.resume();
          return finish({ kind: 'answered', status, body: '', validators: answered });
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return finish({ kind: 'status', status, retryAfter: headerValue(res, 'retry-after') ?? undefined });
        }
        const length = Number(res.headers['content-length']);
        if (Number.isFinite(length) && length > options.maxBytes && !res.headers['content-encoding'])
          return fail('too_large', `declares ${length} bytes, more than ${options.maxBytes}`);
        const chunks: Buffer[] = [];
        let size = 0;
        const body = decoded(res);
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            body.destroy();
            return fail('too_large', `more than ${options.maxBytes} bytes`);
          }
          chunks.push(chunk);
        });
        body.on('end', () =>
          finish({
            kind: 'answered',
            status,
            body: Buffer.concat(chunks).toString('utf8'),
            validators: answered,
          }),
        );
        body.on('error', (error) =>
          fail('unreachable', `the answer broke off: ${error.message}`.slice(0, 300)),
        );
      });
      current = req;
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error instanceof BlockedAddress) return fail('refused_address', `refused: ${error.message}`);
        fail('unreachable', (error.code ? `${error.code}: ${error.message}` : error.message).slice(0, 300));
      });
      req.end();
    };
    get(raw, 0);
  });
}
