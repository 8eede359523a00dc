/**
 * The EventBridge calls the bus makes, imported by name so that the bundle keeps only PutEvents of
 * the client (the SDK's ES modules are tree-shaken; a dynamic `import()` of the package itself
 * would keep every command). shared/events/bus.ts loads this module on first publish.
 */
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
