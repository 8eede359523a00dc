/**
 * The AWS SDK's default credentials in a function's bundle: infra/bundling.ts aliases
 * `@aws-sdk/credential-provider-node` (the default chain every client falls back on) to this module.
 * Lambda gives a function its role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
 * AWS_SESSION_TOKEN, which is the chain's first link and where it stops there; its other links (SSO,
 * shared files, processes, web identity, container and instance metadata) and the STS and SSO
 * clients they bring are never reached in Lambda, so they are not bundled. Measured in
 * docs/architecture.md ("Bundles").
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
