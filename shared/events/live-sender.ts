import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';

/**
 * How the cloud's live functions reach a WebSocket client: API Gateway's management API on the
 * stage's callback URL (TRACKER_LIVE_CALLBACK_URL). A connection that is gone (410 GoneException:
 * closed without a `$disconnect` we saw, or expired) reads as `false`, so the caller forgets it.
 * The LiveSender port of shared/app/live.ts.
 */
export class ApiGatewayLiveSender {
  private readonly client: ApiGatewayManagementApiClient;

  constructor(callbackUrl: string, region?: string, client?: ApiGatewayManagementApiClient) {
    this.client =
      client ?? new ApiGatewayManagementApiClient({ endpoint: callbackUrl, ...(region ? { region } : {}) });
  }

  async send(connectionId: string, frame: string): Promise<boolean> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(frame, 'utf8') }),
      );
      return true;
    } catch (error) {
      if (error instanceof GoneException) return false;
      throw error;
    }
  }

  /** API Gateway closes the connection (the client sees a normal closure; the frame before says why). */
  async refuse(connectionId: string): Promise<void> {
    try {
      await this.client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    } catch (error) {
      if (!(error instanceof GoneException)) throw error;
    }
  }
}
