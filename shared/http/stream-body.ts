import { ExportTooLargeError } from '../domain/errors';
import { describeError, logger } from '../observability';
import { asTrackerError, problem } from './problem';
import type { HttpResult } from './response';

/**
 * The most a streamed body may be when a Lambda answers through API Gateway, which takes the whole
 * response at once and refuses one over 6 MB (Lambda's synchronous payload limit, the JSON envelope
 * included). The body travels base64-encoded, so its size in the envelope is predictable: 4 MiB
 * becomes 5.33 MiB, leaving room for the headers. docs/architecture.md, "Exports".
 */
export const BUFFERED_BODY_CAP = 4 * 1024 * 1024;

/**
 * A result as a Lambda behind API Gateway must return it: a streamed body read whole (up to `cap`
 * bytes) into a base64 body, or 413 `export_too_large` once it passes the cap (the rest is never read).
 * A result without a stream is returned as it is.
 */
export async function buffered(result: HttpResult, cap = BUFFERED_BODY_CAP): Promise<HttpResult> {
  if (!result.stream) return result;
  const { stream, ...rest } = result;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += bytes.length;
      if (size > cap)
        return problem(
          new ExportTooLargeError(
            `The export is over ${cap} bytes, more than one response through API Gateway can carry.`,
          ),
        );
      chunks.push(bytes);
    }
  } catch (error) {
    // Read here, after the dispatcher answered: a failure (a database that stopped answering) is
    // still this request's problem details, not a bare 500 from a failed invocation.
    const tracked = asTrackerError(error);
    if (tracked.status >= 500) logger.error('streamed answer failed', { error: describeError(error) });
    return problem(tracked);
  }
  return { ...rest, body: Buffer.concat(chunks).toString('base64'), isBase64Encoded: true };
}
