import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CLOUD_REGION } from './intrinsics';
import type { CloudFunction } from './model';

/**
 * Lambda, as cloud mode runs it: each function's bundle in its own `node` processes (execution
 * environments) with only the environment the template gives it (plus what Lambda itself sets),
 * one invocation at a time per environment, a new environment when all are busy (up to
 * `maxEnvironments`), and the function's timeout enforced by ending the environment.
 */

export class FunctionError extends Error {
  readonly code = 'FUNCTION_ERROR';
  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
  ) {
    super(`${functionName}: ${errorType}: ${message}`);
  }
}

export interface LambdaOptions {
  /** Where each function's AWS SDK calls go (cloud mode's AWS endpoint). */
  awsEndpoint: string;
  /** Environment values the emulated account rewrites (the live API's callback URL, secrets). */
  rewriteEnvironment: (fn: CloudFunction, env: Record<string, string>) => Record<string, string>;
  /** Each log line a function writes. */
  log: (fn: string, line: string) => void;
  maxEnvironments?: number;
}

interface Environment {
  child: ChildProcess;
  ready: Promise<void>;
  busy: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const RUNTIME = join(__dirname, 'lambda-runtime.cjs');

export class Lambdas {
  private readonly environments = new Map<string, Environment[]>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  /** Invocations started and not yet finished (for `idle()`). */
  inFlight = 0;

  constructor(
    private readonly functions: Record<string, CloudFunction>,
    private readonly options: LambdaOptions,
  ) {}

  private environmentOf(fn: CloudFunction): Record<string, string> {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      // What Lambda sets for every function.
      AWS_REGION: CLOUD_REGION,
      AWS_DEFAULT_REGION: CLOUD_REGION,
      AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
      AWS_LAMBDA_LOG_STREAM_NAME: 'cloud-mode',
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      LAMBDA_TASK_ROOT: fn.codeDir,
      TZ: ':UTC',
      CLOUD_FUNCTION_ARN: `arn:aws:lambda:${CLOUD_REGION}:123456789012:function:${fn.logicalId}`,
      // The role's credentials: the access key names the function, so the AWS endpoint knows whose
      // role to check each signed call against (as AWS knows it from the session).
      AWS_ACCESS_KEY_ID: `CLOUDMODE${fn.logicalId}`,
      AWS_SECRET_ACCESS_KEY: 'cloud-mode',
      AWS_SESSION_TOKEN: 'cloud-mode',
      // Every AWS service the SDK calls goes to the emulated account.
      AWS_ENDPOINT_URL: this.options.awsEndpoint,
      // The SDK's notice about Node 20 (the machine's Node; Lambda runs the template's runtime).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...this.options.rewriteEnvironment(fn, fn.environment),
    };
    return env;
  }

  private spawn(fn: CloudFunction): Environment {
    const child = fork(RUNTIME, [fn.codeDir, fn.handler], {
      env: this.environmentOf(fn),
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const lines = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) this.options.log(fn.logicalId, line);
    };
    child.stdout!.on('data', lines);
    child.stderr!.on('data', lines);
    const ready = new Promise<void>((done, fail) => {
      child.once('message', () => done());
      child.once('exit', (code) =>
        fail(new FunctionError(fn.logicalId, 'Runtime.ExitError', `exited with ${code} at start`)),
      );
    });
    ready.catch(() => undefined);
    child.on(
      'message',
      (message: { id?: string; result?: unknown; error?: { errorType: string; errorMessage: string } }) => {
        if (!message.id) return;
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        if (message.error)
          p.reject(new FunctionError(fn.logicalId, message.error.errorType, message.error.errorMessage));
        else p.resolve(message.result);
      },
    );
    const environment: Environment = { child, ready, busy: false };
    child.on('exit', () => {
      const list = this.environments.get(fn.logicalId) ?? [];
      this.environments.set(
        fn.logicalId,
        list.filter((e) => e !== environment),
      );
    });
    return environment;
  }

  private async acquire(fn: CloudFunction): Promise<Environment> {
    for (;;) {
      if (this.closed) throw new FunctionError(fn.logicalId, 'Runtime.Closed', 'cloud mode is stopping');
      const list = this.environments.get(fn.logicalId) ?? [];
      const idle = list.find((e) => !e.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (list.length < (this.options.maxEnvironments ?? 4)) {
        const e = this.spawn(fn);
        e.busy = true;
        this.environments.set(fn.logicalId, [...list, e]);
        return e;
      }
      await new Promise<void>((wake) =>
        this.waiting.set(fn.logicalId, [...(this.waiting.get(fn.logicalId) ?? []), wake]),
      );
    }
  }

  private release(fn: CloudFunction, e: Environment): void {
    e.busy = false;
    const next = this.waiting.get(fn.logicalId)?.shift();
    next?.();
  }

  /** One synchronous invocation (RequestResponse): the handler's result, or a FunctionError. */
  async invoke(logicalId: string, event: unknown): Promise<any> {
    const fn = this.functions[logicalId];
    if (!fn) throw new Error(`no function ${logicalId} in the template`);
    this.inFlight++;
    try {
      const e = await this.acquire(fn);
      try {
        await e.ready;
        const id = randomUUID();
        const deadline = Date.now() + fn.timeoutSeconds * 1000;
        return await new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            this.pending.delete(id);
            // Lambda ends an environment whose invocation times out.
            e.child.kill('SIGKILL');
            reject(
              new FunctionError(
                fn.logicalId,
                'Sandbox.Timedout',
                `Task timed out after ${fn.timeoutSeconds} seconds`,
              ),
            );
          }, fn.timeoutSeconds * 1000);
          this.pending.set(id, {
            resolve: (v) => {
              clearTimeout(timer);
              resolve(v);
            },
            reject: (err) => {
              clearTimeout(timer);
              reject(err);
            },
          });
          e.child.send({ type: 'invoke', id, event, deadline, requestId: randomUUID() });
        });
      } finally {
        this.release(fn, e);
      }
    } finally {
      this.inFlight--;
    }
  }

  /** Ends a function's idle environments (as Lambda recycles them): its next invocation starts cold. */
  recycle(logicalId: string): void {
    for (const e of this.environments.get(logicalId) ?? []) if (!e.busy) e.child.kill('SIGTERM');
    this.environments.set(
      logicalId,
      (this.environments.get(logicalId) ?? []).filter((e) => e.busy),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.environments.values()].flat();
    await Promise.all(
      all.map(
        (e) =>
          new Promise<void>((done) => {
            if (e.child.exitCode !== null || e.child.signalCode !== null) return done();
            e.child.once('exit', () => done());
            e.child.kill('SIGTERM');
          }),
      ),
    );
    for (const list of this.waiting.values()) for (const wake of list) wake();
  }
}
