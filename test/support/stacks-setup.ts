import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Config } from '@jest/types';
import { STACKS_DIR_VARIABLE } from '../infra/stacks';
import { WRITER_FILE } from '../infra/synth';

const INFRA_TESTS = path.join(__dirname, '..', 'infra');
const TSX = path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');

/**
 * How many infra test files the run selected, or undefined when Jest picks them some other way
 * (changed files, related files) and the count is not known here.
 */
function selectedInfraTests(globalConfig: Config.GlobalConfig): number | undefined {
  if (globalConfig.onlyChanged || globalConfig.changedSince || globalConfig.findRelatedTests)
    return undefined;
  const files = readdirSync(INFRA_TESTS)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(INFRA_TESTS, f));
  const patterns = globalConfig.testPathPatterns;
  if (!patterns.isSet()) return files.length;
  const executor = patterns.toExecutor({ rootDir: globalConfig.rootDir });
  return files.filter((f) => executor.isMatch(f)).length;
}

/**
 * The infra project's stacks, synthesized once per run into one directory, and read by every infra
 * test file from disk (test/infra/synth.ts `synthesized`). One process pays once for what the first
 * synthesis costs (CloudFormation's template validator is compiled then); a test file pays it again
 * for each stack it synthesizes itself. The synthesis runs in a process of its own
 * (./stacks-writer.ts) started here and not awaited: the tests start beside it (measured: 25 s of
 * synthesis on a quiet machine that used to pass before any test began), and an infra test file
 * that asks for a stack not written yet waits for it. A run of one infra file synthesizes only the
 * stacks that file reads, in its own process (`synthesized` does it on first use).
 */
export default function stacksSetup(globalConfig: Config.GlobalConfig): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenario-tracker-stacks-'));
  // Set before the workers start, so each of them inherits it.
  process.env[STACKS_DIR_VARIABLE] = dir;
  if (selectedInfraTests(globalConfig) === 1) return;
  const writer = spawn(process.execPath, [TSX, path.join(__dirname, 'stacks-writer.ts'), dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  writeFileSync(path.join(dir, WRITER_FILE), String(writer.pid));
  (globalThis as { __stacksWriter__?: ChildProcess }).__stacksWriter__ = writer;
}
