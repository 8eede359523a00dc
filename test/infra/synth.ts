import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudAssembly, type CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp, cdkJsonContext, type BuiltApp } from '../../infra/build';
import {
  ALL_FUNCTION_ENTRIES,
  FUNCTION_ENTRIES,
  type AnyFunctionName,
  type FunctionName,
  type LiveFunctionName,
} from '../../infra/bundling';
import { STACKS, STACKS_DIR_VARIABLE } from './stacks';

export interface Synthesized extends BuiltApp {
  assembly: CloudAssembly;
  template: Template;
  /** Logical id of a function's AWS::Lambda::Function resource (the live ones too). */
  functionId: (name: AnyFunctionName) => string;
  /** Remove the cloud assembly directory (call from afterAll). */
  cleanup: () => void;
}

export interface SynthOptions {
  context?: Record<string, unknown>;
  /** Run esbuild for the six functions (seconds); otherwise asset bundling is skipped. */
  bundle?: boolean;
  /** Environment the settings are read from (default: empty, so the caller's shell does not leak in). */
  env?: NodeJS.ProcessEnv;
}

/** The app of these options, built (not synthesized) to write its assembly into `outdir`. */
const build = (outdir: string, { context = {}, bundle = false, env = {} }: SynthOptions): BuiltApp =>
  buildApp(
    {
      outdir,
      context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
    },
    env,
  );

const functionIdOf =
  ({ stack }: BuiltApp) =>
  (name: AnyFunctionName): string => {
    const { functions, live } = stack;
    const fn =
      name in FUNCTION_ENTRIES ? functions[name as FunctionName] : live.functions[name as LiveFunctionName];
    return stack.getLogicalId(fn.node.defaultChild as CfnElement);
  };

/**
 * Build and synthesize the app in this process (with the cdk-nag plugin, as `npm run synth` does),
 * for a test that needs the constructs themselves or a synthesis of its own; the others read a
 * stack of the run with `synthesized`.
 */
export function synth(options: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'scenario-tracker-cdk-'));
  const built = build(outdir, options);
  const assembly = built.app.synth();
  const template = Template.fromStack(built.stack);
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  return { ...built, assembly, template, functionId: functionIdOf(built), cleanup };
}

/** What a stack's directory holds beside its cloud assembly. */
const SHARED_FILE = 'shared.json';
interface SharedFile {
  /** Why synthesis failed (cdk-nag's report is in the directory all the same). */
  error?: string;
  artifactId?: string;
  functionIds?: Record<AnyFunctionName, string>;
  /** What synthesis wrote to console.error: the validation report, as `cdk synth` shows it. */
  printed: string;
}

/** A stack of the run, as synthesis left it on disk. */
export interface Shared {
  assembly: CloudAssembly;
  /** The stack's artifact: its template, name, termination protection and messages. */
  artifact: CloudFormationStackArtifact;
  template: Template;
  functionId: (name: AnyFunctionName) => string;
  /** The warnings and errors synthesis attached to the stack (what `Annotations.fromStack` reads). */
  annotations: Annotations;
  /** What synthesis printed (the validation report). */
  printed: string;
}

/** Same options, same directory: key order and left-out defaults do not matter. */
const sorted = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(sorted)
    : value && typeof value === 'object'
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, sorted((value as Record<string, unknown>)[k])]),
        )
      : value;
const dirOf = (dir: string, { context = {}, bundle = false, env = {} }: SynthOptions) =>
  path.join(
    dir,
    createHash('sha256')
      .update(JSON.stringify(sorted({ context, bundle, env })))
      .digest('hex')
      .slice(0, 16),
  );

/**
 * Synthesize a stack into its directory under `dir` (once: two names of the same options share
 * it), recording what the template does not hold. A synthesis that fails is recorded too, and
 * `synthesized` throws its error in the test that asks for it. The directory appears whole or not
 * at all (written aside, then renamed), so two workers that both synthesize it read one of them.
 */
export function writeShared(dir: string, options: SynthOptions): string {
  const target = dirOf(dir, options);
  if (existsSync(target)) return target;
  const outdir = mkdtempSync(`${target}-writing-`);
  const printed: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => void printed.push(args.map(String).join(' '));
  let shared: Omit<SharedFile, 'printed'>;
  try {
    const built = build(outdir, options);
    built.app.synth();
    const functionId = functionIdOf(built);
    const names = Object.keys(ALL_FUNCTION_ENTRIES) as AnyFunctionName[];
    shared = {
      artifactId: built.stack.artifactId,
      functionIds: Object.fromEntries(names.map((n) => [n, functionId(n)])) as Record<
        AnyFunctionName,
        string
      >,
    };
  } catch (error) {
    shared = { error: (error as Error).message };
  } finally {
    console.error = consoleError;
  }
  writeFileSync(path.join(outdir, SHARED_FILE), JSON.stringify({ ...shared, printed: printed.join('\n') }));
  try {
    renameSync(outdir, target);
  } catch (error) {
    // Another worker's copy of the same synthesis got there first: keep that one.
    if (!existsSync(path.join(target, SHARED_FILE))) throw error;
    rmSync(outdir, { recursive: true, force: true });
  }
  return target;
}

const stacksDir = (): string => {
  const dir = process.env[STACKS_DIR_VARIABLE];
  if (!dir)
    throw new Error(
      `${STACKS_DIR_VARIABLE} is not set: the infra project's global setup synthesizes the stacks`,
    );
  return dir;
};

/** The file naming the process that synthesizes the run's stacks (test/support/stacks-setup.ts). */
export const WRITER_FILE = 'writer.pid';

const running = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * The directory of these options once the run's stack writer has written it, or has ended without
 * it (then the caller synthesizes it). Waiting here blocks the worker, which would otherwise spend
 * the same time synthesizing the stack itself; `synthesized` stays synchronous for the files that
 * read a stack at module scope.
 */
function awaitWriter(dir: string, options: SynthOptions): void {
  const pidFile = path.join(dir, WRITER_FILE);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  const target = dirOf(dir, options);
  while (!existsSync(target) && running(pid)) Atomics.wait(pause, 0, 0, 50);
}

const read = new Map<string, Shared>();
/**
 * A stack of test/infra/stacks.ts, synthesized once for the run: by the process the infra
 * project's global setup starts (waited for here), or, when the run selects a single infra test file
 * (the setup then starts none) or that process ended without it, here on first use.
 */
export function synthesized(name: string): Shared {
  const options = STACKS[name];
  if (!options) throw new Error(`no stack named "${name}" in test/infra/stacks.ts`);
  const known = read.get(name);
  if (known) return known;
  awaitWriter(stacksDir(), options);
  const outdir = writeShared(stacksDir(), options);
  const file = JSON.parse(readFileSync(path.join(outdir, SHARED_FILE), 'utf8')) as SharedFile;
  if (file.error !== undefined) throw new Error(file.error);
  const assembly = new CloudAssembly(outdir);
  const artifact = assembly.getStackArtifact(file.artifactId!);
  const functionIds = file.functionIds!;
  const shared: Shared = {
    assembly,
    artifact,
    template: Template.fromJSON(artifact.template as Record<string, unknown>),
    functionId: (fn) => {
      const id = functionIds[fn];
      if (!id) throw new Error(`no function named "${fn}" in infra/bundling.ts`);
      return id;
    },
    // The messages Annotations.fromStack would read from the assembly it synthesizes again; its
    // constructor is not public, so it is called as the class calls it.
    annotations: Reflect.construct(Annotations, [artifact.messages]) as Annotations,
    printed: file.printed,
  };
  read.set(name, shared);
  return shared;
}

/**
 * The app of a stack of the run built again in this process, not synthesized: for a test that
 * names a resource by its construct (its logical id is the shared template's).
 */
export function constructed(name: string): BuiltApp {
  const options = STACKS[name];
  if (!options) throw new Error(`no stack named "${name}" in test/infra/stacks.ts`);
  return build(mkdtempSync(path.join(stacksDir(), 'unsynthesized-')), options);
}
/** `{ "Fn::GetAtt": [id, "Arn"] }` → id; `{ Ref: id }` → id. */
export const refId = (value: unknown): string | undefined => {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v.Ref === 'string') return v.Ref;
    const getAtt = v['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
};

/** Every logical id a CloudFormation value refers to (Ref and GetAtt, anywhere inside it). */
export const referencedIds = (value: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown) => {
    const id = refId(v);
    if (id) out.push(id);
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
};

export type Resources = Record<
  string,
  {
    Type: string;
    Properties?: Record<string, unknown>;
    DeletionPolicy?: string;
    UpdateReplacePolicy?: string;
  }
>;
