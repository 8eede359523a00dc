/**
 * The public channel of a scenario: where an embed learns of a change within a second or two of the
 * write, instead of at its next 30 s poll (contract 1.2, "Public scenarios and embeds": embeds
 * "update themselves"). In the cloud the channel is AWS AppSync Events' (infra/constructs/
 * public-events.ts); locally the local server speaks the same protocol (local/public-events.ts).
 *
 * Everything on it is public: a message carries the public projection of a thread (what `GET
 * /public/scenarios/{id}` shows of it), the id of a thread that left the public view, or a hint to
 * read the public JSON again. A scenario that is not public gets no message at all.
 */

/** The channel namespace: readers may subscribe to it with the public key; only the tracker publishes. */
export const PUBLIC_NAMESPACE = 'public';

/** AppSync Events: a channel segment is 1–50 letters, digits or dashes; at most 5 segments in all. */
export const CHANNEL_SEGMENT_MAX = 50;

/**
 * `/public/<scenario>`. A scenario id is a slug of up to 64 characters (shared/domain/limits.ts SLUG):
 * one longer than a segment allows is cut into segments of 50 (`/public/<first 50>/<rest>`), which
 * the embed (shared/http/embed-script.ts) cuts the same way.
 */
export function publicChannel(scenarioId: string): string {
  const segments: string[] = [];
  for (let at = 0; at < scenarioId.length; at += CHANNEL_SEGMENT_MAX)
    segments.push(scenarioId.slice(at, at + CHANNEL_SEGMENT_MAX));
  return `/${PUBLIC_NAMESPACE}/${segments.join('/')}`;
}

/** A channel path as AppSync Events accepts one: `/namespace/segment…`, 2–5 segments of [A-Za-z0-9-]{1,50}. */
export const CHANNEL_PATH = /^\/[A-Za-z0-9-]{1,50}(?:\/[A-Za-z0-9-]{1,50}){0,4}$/;

/** The namespace a channel path is in (its first segment). */
export const namespaceOf = (channel: string): string => channel.split('/')[1] ?? '';

/** AppSync Events takes at most this many events in one HTTP publish. */
export const PUBLISH_BATCH_MAX = 5;
