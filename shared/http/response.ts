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
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'Content-Type': JSON_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

export function empty(statusCode: number, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: '' };
}
