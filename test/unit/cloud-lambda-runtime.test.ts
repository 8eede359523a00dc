import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lambdas } from '../../local/cloud/lambdas';
import type { CloudFunction } from '../../local/cloud/model';

/**
 * Cloud mode runs each function's bundle in a plain `node` process (local/cloud/lambda-runtime.cjs),
 * finding the handler's module as Lambda does: `index.js` (CommonJS, required) or `index.mjs` (an ES
 * module, imported), whichever format infra/bundling.ts chose. The stack's own bundles are run by
 * test/cloud/cloud-mode.test.ts; these pin both formats with a bundle of one line each.
 */
describe('cloud mode: the Lambda runtime', () => {
  let dir: string;
  let lambdas: Lambdas | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cloud-runtime-'));
  });
  afterEach(async () => {
    await lambdas?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const fn = (codeDir: string): CloudFunction => ({
    logicalId: 'EchoFunction',
    codeDir,
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    environment: { GREETING: 'hello' },
    timeoutSeconds: 10,
    memoryMb: 128,
    roleArn: 'arn:aws:iam::123456789012:role/echo',
    policies: [],
    asyncRetries: 0,
  });
  const start = (codeDir: string) => {
    lambdas = new Lambdas(
      { EchoFunction: fn(codeDir) },
      { awsEndpoint: 'http://127.0.0.1:9', rewriteEnvironment: (_f, env) => env, log: () => undefined },
    );
    return lambdas;
  };

  it('imports an ES-module bundle (index.mjs) and runs its handler with the template environment', async () => {
    // Prepare
    writeFileSync(
      join(dir, 'index.mjs'),
      'export const handler = async (event) => ({ said: `${process.env.GREETING} ${event.name}`, esm: typeof require === "undefined", runtime: process.env.AWS_EXECUTION_ENV });\n',
    );
    // Act
    const result = await start(dir).invoke('EchoFunction', { name: 'world' });
    // Assess
    expect(result).toEqual({ said: 'hello world', esm: true, runtime: 'AWS_Lambda_nodejs24.x' });
  });

  it('requires a CommonJS bundle (index.js)', async () => {
    // Prepare
    writeFileSync(
      join(dir, 'index.js'),
      'exports.handler = async (event) => ({ said: `${process.env.GREETING} ${event.name}`, esm: typeof require === "undefined" });\n',
    );
    // Act
    const result = await start(dir).invoke('EchoFunction', { name: 'world' });
    // Assess
    expect(result).toEqual({ said: 'hello world', esm: false });
  });

  it('fails every invocation with Runtime.ImportModuleError when the asset holds no handler module', async () => {
    // Act
    const outcome = start(dir).invoke('EchoFunction', { name: 'world' });
    // Assess
    await expect(outcome).rejects.toMatchObject({ errorType: 'Runtime.ImportModuleError' });
  });
});
