import { z } from "zod";
import { type ReportDefinition, singleReport } from "./report/report-definition.js";
import {
  apiBaseUrlSchema,
  DEFAULTS,
  describeIssues,
  dotPath,
  emailAddressSchema,
  emailListSchema,
  emptyDaySchema,
  entityIdTextSchema,
  LAMBDA_ENV,
  LIMITS,
  reportListSchema,
  resolveReports,
  splitAddressList,
  stageKeyOfEnv,
  timezoneSchema,
  toListSchema,
  wholeNumberTextSchema,
} from "./settings.js";

// lambda/report/email-message.ts still takes the names from here; the settings module is their home.

/**
 * The Lambda's configuration, read once at cold start from the environment the stack sets.
 * The values follow the same rules as the stage settings they are deployed from (lambda/settings.ts);
 * here they arrive as text.
 */

const addressList = (list: z.ZodType<string[], string[]>) =>
  z.string().default("").transform(splitAddressList).pipe(list);
const flag = (fallback: boolean) =>
  z
    .enum(["true", "false"], { message: 'use "true" or "false"' })
    .default(fallback ? "true" : "false")
    .transform((value) => value === "true");
const wholeNumber = ({ min, max }: { min: number; max: number }, fallback: number) =>
  wholeNumberTextSchema(min, max).default(fallback);
/** Unset and empty both mean "not set": the stack leaves out a filter the stage does not have. */
const optional = <T extends z.ZodType<unknown, string>>(schema: T) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value === "" ? undefined : value))
    .pipe(schema.optional());

export const lambdaConfigSchema = z
  .object({
    [LAMBDA_ENV.bucket]: z.string().min(3),
    [LAMBDA_ENV.prefix]: z
      .string()
      .default(DEFAULTS.prefix)
      .transform((value) => value.replace(/^\/+|\/+$/g, "")),
    [LAMBDA_ENV.timezone]: timezoneSchema.default(DEFAULTS.timezone),
    [LAMBDA_ENV.environment]: z.string().default(DEFAULTS.environment),
    [LAMBDA_ENV.apiBaseUrl]: apiBaseUrlSchema({ httpsOnly: false }).default(DEFAULTS.apiBaseUrl),
    [LAMBDA_ENV.apiTimezone]: timezoneSchema.default(DEFAULTS.apiTimezone),
    [LAMBDA_ENV.tokenSecretId]: z.string().min(1),
    [LAMBDA_ENV.fetchConcurrency]: wholeNumber(LIMITS.apiConcurrency, DEFAULTS.apiConcurrency),
    [LAMBDA_ENV.mailFrom]: emailAddressSchema,
    // Needed unless REPORTS names each report's own recipients (checked below).
    [LAMBDA_ENV.mailTo]: addressList(emailListSchema),
    [LAMBDA_ENV.mailCc]: addressList(emailListSchema),
    [LAMBDA_ENV.mailBcc]: addressList(emailListSchema),
    [LAMBDA_ENV.linkExpiryDays]: wholeNumber(LIMITS.linkExpiryDays, DEFAULTS.linkExpiryDays),
    [LAMBDA_ENV.linkBaseUrl]: z.url({
      protocol: /^https$/,
      message: "is not an https URL — the stack sets it to the link endpoint's function URL",
    }),
    [LAMBDA_ENV.linkSecretId]: z.string().min(1),
    [LAMBDA_ENV.emptyDay]: emptyDaySchema.default(DEFAULTS.emptyDay),
    [LAMBDA_ENV.attachWorkbook]: flag(DEFAULTS.attachWorkbook),
    [LAMBDA_ENV.includeTranscripts]: flag(DEFAULTS.includeTranscripts),
    [LAMBDA_ENV.maskPhoneNumbers]: flag(DEFAULTS.maskPhoneNumbers),
    [LAMBDA_ENV.assistantId]: optional(entityIdTextSchema),
    [LAMBDA_ENV.campaignId]: optional(entityIdTextSchema),
    [LAMBDA_ENV.callType]: optional(z.string()),
    [LAMBDA_ENV.callStatus]: optional(z.string()),
    [LAMBDA_ENV.maxBackfillDays]: wholeNumber(LIMITS.maxBackfillDays, DEFAULTS.maxBackfillDays),
    [LAMBDA_ENV.reports]: optional(
      z
        .string()
        .transform((text, ctx) => {
          try {
            return JSON.parse(text) as unknown;
          } catch {
            ctx.addIssue({ code: "custom", message: "is not JSON — the stack writes the stage's reports list here" });
            return z.NEVER;
          }
        })
        .pipe(reportListSchema),
    ),
  })
  .superRefine((env, ctx) => {
    if (env[LAMBDA_ENV.reports] === undefined && env[LAMBDA_ENV.mailTo].length === 0) {
      ctx.addIssue({
        code: "custom",
        path: [LAMBDA_ENV.mailTo],
        message: toListSchema.safeParse([]).error?.issues[0]?.message ?? "needs at least one address",
      });
    }
  });

export type LambdaEnv = z.output<typeof lambdaConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses the environment. The error lists every bad variable with the reason, and names the
 * stage setting it was deployed from (`stages.prod.apiBaseUrl → AUTOCALLS_BASE_URL: …`):
 * that, not the variable, is what the user edits.
 */
export function parseLambdaEnv(env: Record<string, string | undefined>): LambdaEnv {
  const result = lambdaConfigSchema.safeParse(env);
  if (!result.success) {
    const stage = env[LAMBDA_ENV.environment] || DEFAULTS.environment;
    const problems = describeIssues(
      result.error,
      ([variable, ...rest]) => {
        if (typeof variable !== "string") return "environment";
        const stageKey = stageKeyOfEnv(variable);
        // A list variable's issue points into the split list: MAIL_TO[1].
        const at = rest.length > 0 ? dotPath(["", ...rest]) : "";
        return stageKey === undefined ? `${variable}${at}` : `stages.${stage}.${stageKey}${at} → ${variable}`;
        // After a variable's name the reason reads as a label: "MAIL_FROM: not an email address".
      },
      (message) => message.replace(/^is /, ""),
    );
    throw new ConfigError(
      `Invalid configuration — ${problems.join("; ")}. Fix the stage's settings in cdk.json and redeploy.`,
    );
  }
  return result.data;
}

/**
 * The stage's reports: its `reports` list (REPORTS), or, without one, the single report the
 * stage's own recipients, filters and options describe — named `daily`, stored where it always was.
 */
export function stageReports(config: LambdaEnv): ReportDefinition[] {
  const options = {
    emptyDay: config.EMPTY_DAY,
    attachWorkbook: config.ATTACH_WORKBOOK,
    includeTranscripts: config.INCLUDE_TRANSCRIPTS,
    maskPhoneNumbers: config.MASK_PHONE_NUMBERS,
  };
  if (config.REPORTS !== undefined) return resolveReports(config.REPORTS, options);
  return [
    singleReport({
      recipients: { to: config.MAIL_TO, cc: config.MAIL_CC, bcc: config.MAIL_BCC },
      filters: {
        ...(config.FILTER_ASSISTANT_ID === undefined ? {} : { assistantId: config.FILTER_ASSISTANT_ID }),
        ...(config.FILTER_CAMPAIGN_ID === undefined ? {} : { campaignId: config.FILTER_CAMPAIGN_ID }),
        ...(config.FILTER_CALL_TYPE === undefined ? {} : { type: config.FILTER_CALL_TYPE }),
        ...(config.FILTER_CALL_STATUS === undefined ? {} : { status: config.FILTER_CALL_STATUS }),
      },
      ...options,
    }),
  ];
}
