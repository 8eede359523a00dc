#!/usr/bin/env node
/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). `-c stage=prod` picks the stage; its settings
 * live in cdk.json (`context.stages.prod`), parsed by infra/settings.ts — see docs/deploy.md.
 * The App synthesizes itself when the CLI runs this file.
 */
import { buildApp } from './build';

buildApp();
