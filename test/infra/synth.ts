import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { buildApp, cdkJsonContext, type BuiltApp } from '../../infra/build';
import {
  FUNCTION_ENTRIES,
  type AnyFunctionName,
  type FunctionName,
  type LiveFunctionName,
} from '../../infra/bundling';

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

/** Build and synthesize the app exactly once (with the cdk-nag plugin, as `npm run synth` does). */
export function synth({ context = {}, bundle = false, env = {} }: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(path.join(tmpdir(), 'scenario-tracker-cdk-'));
  const built = buildApp(
    {
      outdir,
      context: { ...cdkJsonContext(), ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
    },
    env,
  );
  const assembly = built.app.synth();
  const template = Template.fromStack(built.stack);
  const functionId = (name: AnyFunctionName) => {
    const { functions, live } = built.stack;
    const fn =
      name in FUNCTION_ENTRIES ? functions[name as FunctionName] : live.functions[name as LiveFunctionName];
    return built.stack.getLogicalId(fn.node.defaultChild as CfnElement);
  };
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  return { ...built, assembly, template, functionId, cleanup };
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
