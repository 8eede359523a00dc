import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { STACKS_DIR_VARIABLE } from '../infra/stacks';

export default function stacksTeardown(): void {
  // A run stopped early (a failing --bail, a filter) may end before the synthesis does.
  const writer = (globalThis as { __stacksWriter__?: ChildProcess }).__stacksWriter__;
  if (writer && writer.exitCode === null) writer.kill();
  const dir = process.env[STACKS_DIR_VARIABLE];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
