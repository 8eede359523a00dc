#!/usr/bin/env node
/**
 * CDK entry point (cdk.json: `npx tsx infra/app.ts`). Stage and options come from context, e.g.
 * `npx cdk deploy -c stage=prod -c corsOrigins=https://dash.example.org` — see docs/deploy.md.
 * The App synthesizes itself when the CLI runs this file.
 */
import { buildApp } from './build';

buildApp();
