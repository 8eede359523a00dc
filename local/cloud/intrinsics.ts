/**
 * CloudFormation's intrinsic functions, resolved the way a deploy would: what a synthesized template
 * says a function's environment and role are, with each resource's physical name chosen here (the
 * emulated account). Only what this stack's template uses is supported; anything else fails loudly,
 * naming it, so a new construct cannot be half-emulated in silence.
 */

export const CLOUD_ACCOUNT = '123456789012';
export const CLOUD_REGION = 'eu-west-1';

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, unknown>;
}

export interface Template {
  Resources: Record<string, TemplateResource>;
  Parameters?: Record<string, { Default?: unknown }>;
}

export class UnsupportedTemplateError extends Error {
  readonly code = 'UNSUPPORTED_TEMPLATE';
}

/** The physical names this emulated deploy gives each resource (a Ref and its `Arn`). */
export class PhysicalIds {
  constructor(
    private readonly template: Template,
    private readonly names: { tableName: string; stackName: string },
  ) {}

  private resource(id: string): TemplateResource {
    const r = this.template.Resources[id];
    if (!r) throw new UnsupportedTemplateError(`the template has no resource ${id}`);
    return r;
  }

  /** What `{ Ref: id }` gives. */
  ref(id: string): string {
    switch (id) {
      case 'AWS::Region':
        return CLOUD_REGION;
      case 'AWS::AccountId':
        return CLOUD_ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.names.stackName;
      case 'AWS::NoValue':
        return '';
    }
    const p = this.template.Parameters?.[id];
    if (p) {
      if (typeof p.Default !== 'string') throw new UnsupportedTemplateError(`parameter ${id} has no default`);
      return p.Default;
    }
    const r = this.resource(id);
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return (r.Properties?.TableName as string | undefined) ?? this.names.tableName;
      case 'AWS::Events::EventBus':
        return (r.Properties?.Name as string | undefined) ?? id;
      case 'AWS::SecretsManager::Secret':
        return this.arn(id);
      case 'AWS::SQS::Queue':
        return `https://sqs.${CLOUD_REGION}.amazonaws.com/${CLOUD_ACCOUNT}/${id}`;
      case 'AWS::SNS::Topic':
        return this.arn(id);
      default:
        // Lambda functions, roles, APIs, stages, log groups: their logical id is their name here.
        return id;
    }
  }

  /** What `{ "Fn::GetAtt": [id, "Arn"] }` gives. */
  arn(id: string): string {
    const r = this.resource(id);
    const at = `${CLOUD_REGION}:${CLOUD_ACCOUNT}`;
    switch (r.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${at}:table/${this.ref(id)}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${at}:event-bus/${this.ref(id)}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${at}:secret:${id}-AbCdEf`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${at}:${id}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${at}:${id}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${at}:function:${id}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${CLOUD_ACCOUNT}:role/${id}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${at}:log-group:${(r.Properties?.LogGroupName as string | undefined) ?? id}:*`;
      case 'AWS::AppSync::Api':
        return `arn:aws:appsync:${at}:apis/${id}`;
      default:
        throw new UnsupportedTemplateError(`no ARN for ${r.Type} (${id})`);
    }
  }

  getAtt(id: string, attribute: string): string {
    if (attribute === 'Arn') return this.arn(id);
    const r = this.resource(id);
    if (r.Type === 'AWS::SQS::Queue' && attribute === 'QueueName') return id;
    if (r.Type === 'AWS::DynamoDB::Table' && attribute === 'StreamArn') return `${this.arn(id)}/stream/local`;
    if (r.Type === 'AWS::ApiGatewayV2::Api' && attribute === 'ApiEndpoint')
      return `https://${this.ref(id)}.execute-api.${CLOUD_REGION}.amazonaws.com`;
    // The public channels' Event API (infra/constructs/public-events.ts): its id, and its two hosts
    // (cloud mode points the publishers' one at its own AWS endpoint, local/cloud/cloud.ts).
    if (r.Type === 'AWS::AppSync::Api') {
      if (attribute === 'ApiId') return id;
      if (attribute === 'ApiArn') return this.arn(id);
      if (attribute === 'Dns.Http') return `${id.toLowerCase()}.appsync-api.${CLOUD_REGION}.amazonaws.com`;
      if (attribute === 'Dns.Realtime')
        return `${id.toLowerCase()}.appsync-realtime-api.${CLOUD_REGION}.amazonaws.com`;
    }
    if (r.Type === 'AWS::AppSync::ApiKey' && attribute === 'ApiKey')
      return `da2-cloudmode-${id.toLowerCase()}`;
    // The edge of a pinned synth (the feeds' links name it); cloud mode serves no CloudFront.
    if (r.Type === 'AWS::CloudFront::Distribution' && attribute === 'DomainName')
      return `${id.toLowerCase()}.cloudfront.net`;
    throw new UnsupportedTemplateError(`no attribute ${attribute} of ${r.Type} (${id})`);
  }
}

/** Resolves every intrinsic inside a template value (recursively) to plain JSON. */
export function resolve(value: unknown, ids: PhysicalIds): any {
  if (Array.isArray(value)) return value.map((v) => resolve(v, ids));
  if (!value || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys as [string];
    const arg = v[k];
    switch (k) {
      case 'Ref':
        return ids.ref(arg as string);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? (arg as string[]) : (arg as string).split('.');
        return ids.getAtt(id!, attr!);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (resolve(parts, ids) as unknown[]).join(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg)
          ? (arg as [string, Record<string, unknown>])
          : [arg as string, {}];
        const given = resolve(vars, ids) as Record<string, string>;
        return text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
          if (name in given) return given[name]!;
          const [id, attr] = name.split('.');
          return attr ? ids.getAtt(id!, attr) : ids.ref(id!);
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number | string, unknown];
        return (resolve(list, ids) as unknown[])[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, text] = arg as [string, unknown];
        return String(resolve(text, ids)).split(sep);
      }
      case 'Fn::If':
      case 'Fn::ImportValue':
      case 'Fn::FindInMap':
      case 'Fn::GetAZs':
        throw new UnsupportedTemplateError(`intrinsic ${k} is not emulated`);
    }
  }
  return Object.fromEntries(keys.map((key) => [key, resolve(v[key], ids)]));
}
