import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum } from '@smithy/types';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { Config } from '../config';
import { PUBLISH_BATCH_MAX } from '../domain/public-channel';

/**
 * Publishing to the public channels over HTTP, as AWS AppSync Events takes it: `POST <http
 * endpoint>/event` with `{ channel, events: [<JSON text>, …] }` (at most five events a request),
 * signed with SigV4 for the service `appsync` (the namespace's publish mode is IAM, and the
 * function's role may `appsync:EventPublish` on that namespace only). The local server takes the
 * same request at its own `/event` and checks the same signature, made with credentials only its
 * in-process publisher holds (local/public-events.ts).
 *
 * Signing is @smithy/signature-v4's, the SDK's own signer; the SHA-256 it is given is Node's.
 */

/** The publish failed: the endpoint refused it, or some of its events. */
export class PublicEventsPublishError extends Error {
  readonly code = 'public_events_publish_failed';
  constructor(message: string) {
    super(message);
    this.name = 'PublicEventsPublishError';
  }
}

/** How long one publish may take: a live message late by more than this is no longer live. */
export const PUBLISH_TIMEOUT_MS = 5_000;

/** SHA-256 (or its HMAC with a key) as @smithy/signature-v4 asks for one: Node's crypto behind the Checksum shape. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof this.secret === 'string' ? this.secret : toBuffer(this.secret));
  }
}

const toBuffer = (data: ArrayBuffer | ArrayBufferView): Buffer =>
  ArrayBuffer.isView(data)
    ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    : Buffer.from(data as ArrayBuffer);

/** The signer of requests to an Event API's HTTP endpoint in `region`. */
export const eventApiSigner = (
  region: string,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): SignatureV4 =>
  new SignatureV4({ service: 'appsync', region, credentials, sha256: NodeSha256, applyChecksum: true });

export interface PublicEventsTransport {
  /** Publish these events (each JSON-serialisable) on one channel; throws PublicEventsPublishError. */
  publish(channel: string, events: readonly unknown[]): Promise<void>;
}

/** The HTTP publisher of an Event API (or of the local server, which speaks the same). */
export class HttpPublicEvents implements PublicEventsTransport {
  private readonly url: URL;
  private readonly signer: SignatureV4;

  constructor(
    httpUrl: string,
    region: string,
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
    private readonly fetcher: typeof fetch = fetch,
  ) {
    this.url = new URL(httpUrl);
    this.signer = eventApiSigner(region, credentials);
  }

  async publish(channel: string, events: readonly unknown[]): Promise<void> {
    for (let at = 0; at < events.length; at += PUBLISH_BATCH_MAX)
      await this.publishBatch(channel, events.slice(at, at + PUBLISH_BATCH_MAX));
  }

  private async publishBatch(channel: string, events: readonly unknown[]): Promise<void> {
    // AppSync Events takes each event as a string of JSON.
    const body = JSON.stringify({ channel, events: events.map((e) => JSON.stringify(e)) });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      query: {},
      headers: { host: this.url.host, 'content-type': 'application/json' },
      body,
    });
    // fetch sends Host itself (the same value, signed above); it is not a header a caller may set.
    const { host: _host, ...headers } = signed.headers;
    const response = await this.fetcher(this.url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok)
      throw new PublicEventsPublishError(
        `publish to ${channel} refused: ${response.status} ${text.slice(0, 200)}`,
      );
    const answer = safeJson(text) as { failed?: unknown[] } | undefined;
    if (answer?.failed && answer.failed.length > 0)
      throw new PublicEventsPublishError(
        `publish to ${channel}: ${answer.failed.length} of ${events.length} events failed: ${JSON.stringify(answer.failed).slice(0, 200)}`,
      );
  }
}

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The publisher of a function whose environment names the Event API (TRACKER_PUBLIC_EVENTS_URL):
 * signed with the function's own role (the SDK's default credential chain), in its region.
 * Undefined where no endpoint is set: nothing is published (the local server installs its own).
 */
export function createPublicEvents(
  cfg: Pick<Config, 'publicEvents' | 'region'>,
): PublicEventsTransport | undefined {
  if (!cfg.publicEvents) return undefined;
  if (!cfg.region)
    throw new PublicEventsPublishError('AWS_REGION is not set: a publish is signed for a region.');
  return new HttpPublicEvents(cfg.publicEvents.httpUrl, cfg.region, defaultProvider());
}
