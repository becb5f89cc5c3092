import { randomUUID } from 'node:crypto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import {
  RESOURCE_DEPLOYMENT_ENVIRONMENT,
  RESOURCE_SERVICE_INSTANCE_ID,
  RESOURCE_SERVICE_NAME,
  RESOURCE_SERVICE_VERSION,
} from '../conventions.js';
import type { ResolvedTelemetryOptions } from './options.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The resource every span and metric carries. Precedence, highest first: the options, then
 * `OTEL_SERVICE_NAME` (for the name), then `OTEL_RESOURCE_ATTRIBUTES`, then slokit's fallbacks
 * (`npm_package_version`, `NODE_ENV`, a random instance id), then the SDK's defaults
 * (`unknown_service:node`, `telemetry.sdk.*`).
 */
export function buildResource(options: ResolvedTelemetryOptions, env: Env = process.env): Resource {
  const fromEnv = detectResources({ detectors: [envDetector] });
  const envAttributes = fromEnv.attributes;
  const fallbacks: Record<string, string> = { [RESOURCE_SERVICE_INSTANCE_ID]: randomUUID() };
  if (env.npm_package_version !== undefined && env.npm_package_version !== '') {
    fallbacks[RESOURCE_SERVICE_VERSION] = env.npm_package_version;
  }
  if (env.NODE_ENV !== undefined && env.NODE_ENV !== '')
    fallbacks[RESOURCE_DEPLOYMENT_ENVIRONMENT] = env.NODE_ENV;
  for (const key of Object.keys(envAttributes)) delete fallbacks[key];

  const given: Record<string, string | number | boolean> = { ...options.resourceAttributes };
  if (options.serviceName !== undefined) given[RESOURCE_SERVICE_NAME] = options.serviceName;
  if (options.serviceVersion !== undefined) given[RESOURCE_SERVICE_VERSION] = options.serviceVersion;
  if (options.serviceInstanceId !== undefined)
    given[RESOURCE_SERVICE_INSTANCE_ID] = options.serviceInstanceId;
  if (options.environment !== undefined) given[RESOURCE_DEPLOYMENT_ENVIRONMENT] = options.environment;

  return defaultResource()
    .merge(resourceFromAttributes(fallbacks))
    .merge(fromEnv)
    .merge(resourceFromAttributes(given));
}
