import { LAMBDA_ENV } from "../lambda/settings.js";
import type { StageConfig } from "./stage-config.js";

/**
 * What the stack hands its two functions as environment variables, named by LAMBDA_ENV so the stack and the
 * functions' parsers cannot drift apart.
 */

/** The link endpoint's environment, named by LAMBDA_ENV like the report function's. */
export function linkEndpointEnvironment(
  stage: StageConfig,
  bucketName: string,
  linkSecretId: string,
): Record<string, string> {
  return {
    [LAMBDA_ENV.bucket]: bucketName,
    [LAMBDA_ENV.prefix]: stage.prefix,
    [LAMBDA_ENV.environment]: stage.name,
    [LAMBDA_ENV.linkSecretId]: linkSecretId,
    [LAMBDA_ENV.linkExpiryDays]: String(stage.linkExpiryDays),
    [LAMBDA_ENV.reportRetentionDays]: String(stage.retention.reportDays),
    POWERTOOLS_SERVICE_NAME: "callreport-links",
    POWERTOOLS_LOG_LEVEL: stage.logLevel,
    NODE_OPTIONS: "--enable-source-maps",
  };
}

/** The function's environment, named by LAMBDA_ENV so the stack and the handler's parser cannot drift apart. */
export function functionEnvironment(
  stage: StageConfig,
  bucketName: string,
  tokenSecretId: string,
  links: {
    /** The link endpoint's function URL. */
    baseUrl: string;
    /** The link signing key's secret (ARN). */
    secretId: string;
  },
): Record<string, string> {
  const optional = (name: string, value: string | number | undefined) =>
    value === undefined ? {} : { [name]: String(value) };
  return {
    [LAMBDA_ENV.bucket]: bucketName,
    [LAMBDA_ENV.prefix]: stage.prefix,
    [LAMBDA_ENV.timezone]: stage.timezone,
    [LAMBDA_ENV.environment]: stage.name,
    [LAMBDA_ENV.apiBaseUrl]: stage.apiBaseUrl,
    [LAMBDA_ENV.apiTimezone]: stage.apiTimezone,
    [LAMBDA_ENV.tokenSecretId]: tokenSecretId,
    [LAMBDA_ENV.fetchConcurrency]: String(stage.apiConcurrency),
    [LAMBDA_ENV.mailFrom]: stage.sender,
    // A stage has its own recipients (one report) or a reports list with each report's.
    ...(stage.recipients === undefined
      ? {}
      : {
          [LAMBDA_ENV.mailTo]: stage.recipients.to.join(","),
          [LAMBDA_ENV.mailCc]: stage.recipients.cc.join(","),
          [LAMBDA_ENV.mailBcc]: stage.recipients.bcc.join(","),
        }),
    ...(stage.reports === undefined ? {} : { [LAMBDA_ENV.reports]: JSON.stringify(stage.reports) }),
    [LAMBDA_ENV.linkExpiryDays]: String(stage.linkExpiryDays),
    [LAMBDA_ENV.linkBaseUrl]: links.baseUrl,
    [LAMBDA_ENV.linkSecretId]: links.secretId,
    [LAMBDA_ENV.emptyDay]: stage.emptyDay,
    [LAMBDA_ENV.attachWorkbook]: String(stage.attachWorkbook),
    [LAMBDA_ENV.includeTranscripts]: String(stage.includeTranscripts),
    [LAMBDA_ENV.maskPhoneNumbers]: String(stage.maskPhoneNumbers),
    ...optional(LAMBDA_ENV.assistantId, stage.filters.assistantId),
    ...optional(LAMBDA_ENV.campaignId, stage.filters.campaignId),
    ...optional(LAMBDA_ENV.callType, stage.filters.callType),
    ...optional(LAMBDA_ENV.callStatus, stage.filters.callStatus),
    [LAMBDA_ENV.maxBackfillDays]: String(stage.maxBackfillDays),
    POWERTOOLS_SERVICE_NAME: "callreport",
    POWERTOOLS_LOG_LEVEL: stage.logLevel,
    // The bundle ships a source map; this makes stack traces in the logs point at the TypeScript lines.
    NODE_OPTIONS: "--enable-source-maps",
  };
}
