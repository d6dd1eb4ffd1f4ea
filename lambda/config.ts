import { z } from "zod";
import { DEFAULT_CONCURRENCY } from "./autocalls/client.js";
import { isValidTimezone } from "./report/window.js";

/**
 * The Lambda's configuration, read once at cold start from the environment the stack sets.
 * Every variable is named in the error so that a bad deploy says what to fix.
 */
export const LAMBDA_ENV = {
  bucket: "REPORT_BUCKET",
  prefix: "REPORT_PREFIX",
  timezone: "REPORT_TIMEZONE",
  environment: "REPORT_ENVIRONMENT",
  apiBaseUrl: "AUTOCALLS_BASE_URL",
  apiTimezone: "AUTOCALLS_API_TIMEZONE",
  tokenSecretId: "AUTOCALLS_TOKEN_SECRET_ID",
  fetchConcurrency: "AUTOCALLS_CONCURRENCY",
  mailFrom: "MAIL_FROM",
  mailTo: "MAIL_TO",
  mailCc: "MAIL_CC",
  mailBcc: "MAIL_BCC",
  linkExpiryHours: "LINK_EXPIRY_HOURS",
  emptyDay: "EMPTY_DAY",
  attachWorkbook: "ATTACH_WORKBOOK",
  includeTranscripts: "INCLUDE_TRANSCRIPTS",
  maskPhoneNumbers: "MASK_PHONE_NUMBERS",
  assistantId: "FILTER_ASSISTANT_ID",
  campaignId: "FILTER_CAMPAIGN_ID",
  callType: "FILTER_CALL_TYPE",
  callStatus: "FILTER_CALL_STATUS",
  maxBackfillDays: "MAX_BACKFILL_DAYS",
} as const;

export const DEFAULT_API_BASE_URL = "https://app.autocalls.ai/api";

const timezone = z.string().refine(isValidTimezone, { message: 'not an IANA timezone (e.g. "Europe/Berlin")' });
const emailAddress = z.email({ message: "not an email address" });
const addressList = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean),
  )
  .pipe(z.array(emailAddress));
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false"], { message: 'use "true" or "false"' })
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true");
const positiveInt = z.coerce.number().int().positive();
const optionalPositiveInt = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === "" ? undefined : Number(value)))
  .pipe(
    z
      .number()
      .positive()
      // Beyond it the id would be rounded, or reach the API as 1e+23.
      .max(Number.MAX_SAFE_INTEGER, { message: `too large for an id (at most ${Number.MAX_SAFE_INTEGER})` })
      .int()
      .optional(),
  );
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value === "" ? undefined : value));

export const lambdaConfigSchema = z.object({
  [LAMBDA_ENV.bucket]: z.string().min(3),
  [LAMBDA_ENV.prefix]: z
    .string()
    .default("reports")
    .transform((value) => value.replace(/^\/+|\/+$/g, "")),
  [LAMBDA_ENV.timezone]: timezone.default("UTC"),
  [LAMBDA_ENV.environment]: z.string().default("prod"),
  [LAMBDA_ENV.apiBaseUrl]: z.url({ protocol: /^https?$/, message: "not an http(s) URL" }).default(DEFAULT_API_BASE_URL),
  [LAMBDA_ENV.apiTimezone]: timezone.default("UTC"),
  [LAMBDA_ENV.tokenSecretId]: z.string().min(1),
  [LAMBDA_ENV.fetchConcurrency]: positiveInt.max(16).default(DEFAULT_CONCURRENCY),
  [LAMBDA_ENV.mailFrom]: emailAddress,
  [LAMBDA_ENV.mailTo]: addressList.refine((list) => list.length > 0, { message: "needs at least one address" }),
  [LAMBDA_ENV.mailCc]: addressList,
  [LAMBDA_ENV.mailBcc]: addressList,
  [LAMBDA_ENV.linkExpiryHours]: positiveInt.max(168).default(168),
  [LAMBDA_ENV.emptyDay]: z.enum(["send", "skip"], { message: 'use "send" or "skip"' }).default("send"),
  [LAMBDA_ENV.attachWorkbook]: flag(true),
  [LAMBDA_ENV.includeTranscripts]: flag(true),
  [LAMBDA_ENV.maskPhoneNumbers]: flag(false),
  [LAMBDA_ENV.assistantId]: optionalPositiveInt,
  [LAMBDA_ENV.campaignId]: optionalPositiveInt,
  [LAMBDA_ENV.callType]: optionalText,
  [LAMBDA_ENV.callStatus]: optionalText,
  [LAMBDA_ENV.maxBackfillDays]: positiveInt.max(366).default(31),
});

export type LambdaEnv = z.output<typeof lambdaConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; the error lists every bad variable with the reason. */
export function parseLambdaEnv(env: Record<string, string | undefined>): LambdaEnv {
  const result = lambdaConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join(".") || "environment"}: ${issue.message}`);
    throw new ConfigError(
      `Invalid configuration — ${problems.join("; ")}. Fix the stack's stage settings and redeploy.`,
    );
  }
  return result.data;
}
