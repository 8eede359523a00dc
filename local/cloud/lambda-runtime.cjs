'use strict';
/**
 * One Lambda execution environment, as cloud mode runs it: a plain `node` process (no tsx, no test
 * transform) with the function's environment from the template, that loads the function's bundle
 * as `cdk synth` built it and runs one invocation at a time, as Lambda does. The parent
 * (local/cloud/lambdas.ts) sends `{ id, event, deadline, requestId }` and receives the result or the
 * error. Plain CommonJS on purpose: nothing of the project's own toolchain is in this process.
 */
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const [codeDir, handlerName] = process.argv.slice(2);
const [file, exportName] = handlerName.split('.');

/**
 * The handler's module as Lambda's Node.js runtime finds it: `<file>.js` (CommonJS, required),
 * `<file>.mjs` (an ES module, imported) or `<file>.cjs`, whichever the bundle is
 * (infra/bundling.ts decides the format).
 */
async function loadHandler() {
  const base = path.join(codeDir, file);
  const found = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((p) => existsSync(p));
  if (!found) throw new Error(`no ${file}.js, ${file}.mjs or ${file}.cjs in ${codeDir}`);
  const mod = found.endsWith('.mjs') ? await import(pathToFileURL(found).href) : require(found);
  const handler = mod[exportName];
  if (typeof handler !== 'function') throw new Error(`${handlerName} is not a function in ${codeDir}`);
  return handler;
}

const serialize = (error) => ({
  errorType: (error && error.name) || 'Error',
  errorMessage: (error && error.message) || String(error),
  stack: error && error.stack ? String(error.stack).split('\n') : [],
});

loadHandler().then(
  (handler) => start(handler, undefined),
  (error) => start(undefined, error),
);

function start(handler, initError) {
  process.on('message', async (message) => {
    if (message.type !== 'invoke') return;
    const { id, event, deadline, requestId } = message;
    const fn = process.env.AWS_LAMBDA_FUNCTION_NAME;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn,
      functionVersion: '$LATEST',
      invokedFunctionArn: process.env.CLOUD_FUNCTION_ARN,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    if (initError) {
      process.send({ id, error: { ...serialize(initError), errorType: 'Runtime.ImportModuleError' } });
      return;
    }
    try {
      const result = await handler(event, context);
      process.send({ id, result: result === undefined ? null : result });
    } catch (error) {
      process.send({ id, error: serialize(error) });
    }
  });

  process.send({ ready: true, initError: initError ? serialize(initError) : undefined });
}
