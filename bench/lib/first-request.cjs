'use strict';
/**
 * One cold start as a user feels it (bench/cold-start.ts): a fresh plain `node` process loads one
 * bundle as Lambda's runtime does (`require` for .js, `import()` for .mjs), serves ONE invocation
 * with the event given as argv[3], and prints what it answered with the process's CPU time so far
 * (user + system since the process started, Node's own start-up included) and its in-process wall
 * times. Plain CommonJS, nothing of the project's toolchain: only the bundle is measured.
 */
const started = process.hrtime.bigint();
const { pathToFileURL } = require('node:url');

const [file, eventJson, timeoutMs] = process.argv.slice(2);
const ms = (from, to) => Number(to - from) / 1e6;

const load = file.endsWith('.mjs')
  ? import(pathToFileURL(file).href)
  : new Promise((done) => done(require(file)));

load
  .then(async (mod) => {
    const loaded = process.hrtime.bigint();
    const loadCpu = process.cpuUsage();
    const event = JSON.parse(eventJson);
    const deadline = Date.now() + Number(timeoutMs);
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: 'c0ffee00-0000-4000-8000-000000000001',
      logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
      logStreamName: 'bench',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const result = await mod.handler(event, context);
    const answered = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    process.stdout.write(
      `\n@@bench ${JSON.stringify({
        result: result === undefined ? null : result,
        cpuMs: (cpu.user + cpu.system) / 1000,
        loadMs: ms(started, loaded),
        // The CPU spent by the time the module was loaded, and when that was (µs of the monotonic
        // clock, as V8's CPU profiles count: a profile splits there into loading and the request).
        loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
        loadedAtUs: Number(loaded / 1000n),
        requestMs: ms(loaded, answered),
      })}\n`,
    );
    // Keep-alive sockets of the SDK would hold the process open; Lambda freezes it instead.
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`${(error && error.stack) || String(error)}\n`);
    process.exit(1);
  });
