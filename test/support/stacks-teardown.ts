import { rmSync } from 'node:fs';
import { STACKS_DIR_VARIABLE } from '../infra/stacks';

export default function stacksTeardown(): void {
  const dir = process.env[STACKS_DIR_VARIABLE];
  if (dir) rmSync(dir, { recursive: true, force: true });
}
