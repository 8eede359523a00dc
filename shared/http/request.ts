import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors';
import { LIMITS } from '../domain/limits';

export const header = (event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined => {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
};

const JSON_MEDIA = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body as JSON, after the checks the contract puts before any work: media type (415),
 * size (413), encoding and syntax (400). Prototype keys survive as plain own properties
 * (JSON.parse never touches prototypes) and the strict schemas then reject them as unknown fields.
 */
export function readJsonBody(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>,
): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > LIMITS.bodyBytes)
    throw new PayloadTooLargeError(`The body is ${bytes.length} bytes; the limit is ${LIMITS.bodyBytes}.`);
  const type = header(event, 'content-type');
  if (bytes.length === 0 && type === undefined)
    throw new ValidationError('A JSON body is required.', [{ path: '(body)', message: 'is required' }]);
  if (type === undefined || !JSON_MEDIA.test(type.trim())) {
    throw new UnsupportedMediaTypeError(
      `Send the body as application/json; charset=utf-8${type ? `, not ${type}` : ''}.`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ValidationError('The body is not valid UTF-8.', [
      { path: '(body)', message: 'is not valid UTF-8' },
    ]);
  }
  if (text.trim() === '')
    throw new ValidationError('A JSON body is required.', [{ path: '(body)', message: 'is required' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [
      { path: '(body)', message: 'is not valid JSON' },
    ]);
  }
}

/**
 * A text body of a route that takes something other than JSON (an archive's NDJSON): media type
 * (415), size (413) and encoding (400), checked before any work, as for JSON. `media` is the type
 * without parameters; a charset, when given, must be UTF-8.
 */
export function readTextBody(
  event: Pick<APIGatewayProxyEventV2, 'headers' | 'body' | 'isBase64Encoded'>,
  media: string,
  maxBytes: number,
): string {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > maxBytes)
    throw new PayloadTooLargeError(`The body is ${bytes.length} bytes; the limit is ${maxBytes}.`);
  const type = header(event, 'content-type');
  const wanted = new RegExp(
    `^${media.replace(/[/+.]/g, '\\$&')}\\s*(;\\s*charset\\s*=\\s*"?utf-8"?\\s*)?$`,
    'i',
  );
  if (type === undefined || !wanted.test(type.trim()))
    throw new UnsupportedMediaTypeError(`Send the body as ${media}${type ? `, not ${type}` : ''}.`);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError('The body is not valid UTF-8.', [
      { path: '(body)', message: 'is not valid UTF-8' },
    ]);
  }
}

/** Query parameters as API Gateway gives them (decoded; repeated names joined by commas). */
export const queryOf = (
  event: Pick<APIGatewayProxyEventV2, 'queryStringParameters'>,
): Record<string, string> => {
  const q: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) q[k] = v;
  return q;
};
