import { Duration, Expiration } from 'aws-cdk-lib';
import {
  AppSyncAuthorizationType,
  AppSyncEventResource,
  ChannelNamespace,
  EventApi,
  type CfnApiKey,
} from 'aws-cdk-lib/aws-appsync';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PUBLIC_NAMESPACE } from '../../shared/domain/public-channel';
import { Section } from './section';

/**
 * How long the public key is valid from a deploy (AppSync allows 1 to 365 days). Every deploy moves
 * its expiry on: a stack deployed at least once a year never sees its embeds lose the key
 * (docs/deploy.md).
 */
export const PUBLIC_KEY_VALIDITY = Duration.days(365);

export interface PublicEventsProps {
  /** Deployment stage (dev, prod, ...): part of the API's name. */
  readonly stage: string;
  /** How long the readers' key is valid from this deploy; default PUBLIC_KEY_VALIDITY. */
  readonly keyValidity?: Duration;
}

/**
 * The public channels of live embeds (contract 1.2, "Public scenarios and embeds": embeds update
 * themselves; docs/capacity.md): an AWS AppSync Events API with one channel namespace, `public`
 * (`/public/<scenario>`, shared/domain/public-channel.ts). AppSync holds every reader's WebSocket and
 * fans each message out to all of a channel's subscribers: the tracker publishes once per change,
 * and keeps nothing per reader.
 *
 * Two auth modes, each for one side: an API key, which a public page carries, lets anyone connect
 * and subscribe and nothing else; IAM, which only the publisher functions' roles hold
 * (`appsync:EventPublish` on this namespace alone, `grantPublish`), lets them publish. The namespace
 * accepts publish by IAM only and subscribe by the key only (docs/security.md).
 */
export class PublicEvents extends Section {
  readonly api: EventApi;
  readonly namespace: ChannelNamespace;
  /** The readers' key: in every embed page, so not a secret; it can subscribe, never publish. */
  readonly apiKey: CfnApiKey;
  /** `https://<id>.appsync-api.<region>.amazonaws.com/event`: where the publishers POST. */
  readonly httpUrl: string;
  /** `wss://<id>.appsync-realtime-api.<region>.amazonaws.com/event/realtime`: what embeds connect to. */
  readonly realtimeUrl: string;

  constructor(scope: Construct, id: string, props: PublicEventsProps) {
    super(scope, id);
    this.api = new EventApi(this, 'Api', {
      apiName: `scenario-tracker-public-${props.stage}`,
      authorizationConfig: {
        authProviders: [
          {
            authorizationType: AppSyncAuthorizationType.API_KEY,
            apiKeyConfig: {
              name: 'Readers',
              description: 'Embeds: connect and subscribe to the public namespace; never publish',
              expires: Expiration.after(props.keyValidity ?? PUBLIC_KEY_VALIDITY),
            },
          },
          { authorizationType: AppSyncAuthorizationType.IAM },
        ],
        // Readers open the socket with the key; the publishers publish over HTTP and never connect.
        connectionAuthModeTypes: [AppSyncAuthorizationType.API_KEY],
        // Any namespace added later publishes by IAM only and is subscribed to by the key only, too.
        defaultPublishAuthModeTypes: [AppSyncAuthorizationType.IAM],
        defaultSubscribeAuthModeTypes: [AppSyncAuthorizationType.API_KEY],
      },
    });
    this.namespace = this.api.addChannelNamespace('Public', {
      channelNamespaceName: PUBLIC_NAMESPACE,
      authorizationConfig: {
        publishAuthModeTypes: [AppSyncAuthorizationType.IAM],
        subscribeAuthModeTypes: [AppSyncAuthorizationType.API_KEY],
      },
    });
    this.apiKey = this.api.apiKeys['Readers']!;
    this.httpUrl = `https://${this.api.httpDns}/event`;
    this.realtimeUrl = `wss://${this.api.realtimeDns}/event/realtime`;
  }

  /** `appsync:EventPublish` on the `public` namespace of this API, and nothing else. */
  grantPublish(grantee: IGrantable): void {
    this.api.grant(
      grantee,
      AppSyncEventResource.ofChannelNamespace(PUBLIC_NAMESPACE),
      'appsync:EventPublish',
    );
  }
}
