import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  /**
   * A body produced while it is sent (an export): the local server streams it (chunked, never
   * whole in memory); a Lambda behind API Gateway cannot, and buffers it up to a cap first
   * (shared/http/stream-body.ts). `body` is empty when this is set.
   */
  stream?: AsyncIterable<string | Buffer>;
};

/** Headers on every response: never let a browser guess a type, never reveal the server. */
export const BASE_HEADERS: Readonly<Record<string, string>> = { 'X-Content-Type-Options': 'nosniff' };

export const JSON_TYPE = 'application/json; charset=utf-8';
export const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return jsonText(statusCode, JSON.stringify(body), headers);
}

/** A JSON answer whose body is already serialized (a caller that digested the text for its ETag). */
export function jsonText(statusCode: number, text: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'Content-Type': JSON_TYPE, ...headers },
    body: text,
  };
}

export function empty(statusCode: number, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: '' };
}
