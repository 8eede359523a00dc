import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/**
 * How the local server invokes a function: with a Lambda context of its own (a fresh request id)
 * and inside its own invocation scope.
 *
 * Lambda runs one invocation at a time per process, so the Powertools logger can hold an
 * invocation's keys (request id, correlation id) on the instance. The local server runs many
 * requests at once in one process — as Lambda's multi-concurrency runtime (Managed Instances) does.
 * That runtime puts each invocation in its own context of the invoke store
 * (`globalThis.awslambda.InvokeStore`) and sets AWS_LAMBDA_MAX_CONCURRENCY, and Powertools then
 * keeps its per-invocation state in that context. This file is that runtime's part, done locally:
 * without it, two requests at once would log under each other's ids.
 */

/** The invoke store of Lambda's multi-concurrency runtime: one context per invocation, over AsyncLocalStorage. */
class LocalInvokeStore extends InvokeStoreBase {
  readonly #als = new AsyncLocalStorage<Record<string | symbol, unknown>>();

  getContext(): Record<string | symbol, unknown> | undefined {
    return this.#als.getStore();
  }

  hasContext(): boolean {
    return this.#als.getStore() !== undefined;
  }

  get<T = unknown>(key: string | symbol): T | undefined {
    return this.#als.getStore()?.[key] as T | undefined;
  }

  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key))
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const store = this.#als.getStore();
    if (!store) throw new Error('No invocation context');
    store[key] = value;
  }

  run<T>(context: Record<string | symbol, unknown>, fn: () => T): T {
    return this.#als.run(context, fn);
  }
}

let store: LocalInvokeStore | undefined;

/**
 * Installs the store (idempotent). Powertools consults it only once the process is declared
 * multi-concurrent, which it is not yet (below).
 */
export function installInvokeStore(): InvokeStoreBase {
  if (!store) {
    store = new LocalInvokeStore();
    const g = globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } };
    g.awslambda ??= {};
    g.awslambda.InvokeStore = store;
    // Not yet: declaring the process multi-concurrent (AWS_LAMBDA_MAX_CONCURRENCY) is what makes
    // Powertools keep its keys per invocation, but with it set test/http/concurrency.test.ts saw 503s
    // on contended writes (cause not found yet). Until then two requests at once may log under
    // each other's correlation id locally; in Lambda one invocation runs at a time, so there never.
  }
  return store;
}

/** Lambda's longest function timeout: what a local invocation may run for. */
export const LOCAL_TIMEOUT_MS = 15 * 60_000;

/** The context Lambda hands a function, for a local invocation of `functionName`. */
export function localLambdaContext(functionName: string): Context {
  // The local server stops no function: it has Lambda's longest timeout, 15 minutes, so the write
  // budget (WRITE_RETRY_BUDGET_MS from the request's arrival) is what bounds a request here.
  const end = Date.now() + LOCAL_TIMEOUT_MS;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Run one invocation of `functionName`, in its own scope, with its own Lambda context. */
export function invokeLocally<T>(functionName: string, run: (context: Context) => Promise<T>): Promise<T> {
  const context = localLambdaContext(functionName);
  return installInvokeStore().run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () =>
    run(context),
  );
}
