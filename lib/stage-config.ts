import { z } from "zod";
import {
  apiBaseUrlSchema,
  DEFAULTS,
  describeIssues,
  dotPath,
  emailAddressSchema,
  emailListSchema,
  emptyDaySchema,
  entityIdSchema,
  filterTextSchema,
  LIMITS,
  reportListSchema,
  timezoneSchema,
  toListSchema,
  wholeNumberSchema,
} from "../lambda/settings.js";
import {
  monthlyScheduleSchema,
  scheduleProblems,
  scheduleTimeSchema,
  weeklyScheduleSchema,
} from "./stage-schedules.js";

/** CloudWatch Logs accepts only these retention periods (days); anything else fails at deploy, so fail at synth. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const flag = (fallback: boolean) => z.boolean({ message: "needs true or false (without quotes)" }).default(fallback);
const wholeNumber = (min: number, max: number, fallback?: number) => {
  const schema = wholeNumberSchema(min, max);
  return fallback === undefined ? schema : schema.default(fallback);
};
const limited = ({ min, max }: { min: number; max: number }, fallback: number) => wholeNumber(min, max, fallback);

/** The settings of one deployment stage, as written in cdk.json under `context.stages.<name>`. */
export const stageSettingsSchema = z
  .strictObject({
    /** AWS account to deploy to; omit for an environment-agnostic stack (the CLI's credentials decide). */
    account: z
      .string()
      .regex(/^\d{12}$/, { message: 'needs a 12-digit AWS account id in quotes, e.g. "123456789012"' })
      .optional(),
    /** AWS region to deploy to; omit for an environment-agnostic stack. */
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'needs an AWS region name such as "eu-central-1"' })
      .optional(),
    /** The managers' timezone: the report covers their calendar day and the schedule runs on their clock. */
    timezone: timezoneSchema,
    /** Local wall-clock time of the daily run, "HH:MM" (24 h) in `timezone`. */
    scheduleTime: scheduleTimeSchema.default("06:30"),
    /** A weekly report of the previous ISO week, run on `weekday` at `time`; absent: none. */
    weekly: weeklyScheduleSchema.optional(),
    /** A monthly report of the previous calendar month, run on `day` (1–28) at `time`; absent: none. */
    monthly: monthlyScheduleSchema.optional(),
    /** Who receives the daily email; a stage with `reports` names each report's recipients instead. */
    recipients: z
      .strictObject(
        {
          to: toListSchema,
          cc: emailListSchema.default([]),
          bcc: emailListSchema.default([]),
        },
        { message: 'needs { "to": ["manager@example.com"], "cc": [], "bcc": [] }' },
      )
      .optional(),
    /**
     * Several reports from one fetch (#17): each with its name, title, recipients, filter lists and
     * options (the stage's values when left out). Without it the stage has one report, `daily`.
     */
    reports: reportListSchema.optional(),
    /** The From address; SES must have it (or its domain) verified. */
    sender: emailAddressSchema,
    /** Create the SES identity for the sender in this stack (you still confirm the email / publish the DKIM records). */
    createSenderIdentity: flag(false),
    /** Which identity to create when `createSenderIdentity` is on: the single address or its whole domain (DKIM). */
    senderIdentityType: z.enum(["address", "domain"], { message: 'use "address" or "domain"' }).default("address"),
    /**
     * The SES account is still in the sandbox: SES then also authorizes each recipient identity,
     * so the function is granted those (and only those) as well.
     */
    sesSandbox: flag(false),
    /** Autocalls API base URL; a deployed stage calls it over https only. */
    apiBaseUrl: apiBaseUrlSchema({ httpsOnly: true }).default(DEFAULTS.apiBaseUrl),
    /** Timezone the Autocalls API writes its naive timestamps in. */
    apiTimezone: timezoneSchema.default(DEFAULTS.apiTimezone),
    /** Parallel page fetches against the Autocalls API. */
    apiConcurrency: limited(LIMITS.apiConcurrency, DEFAULTS.apiConcurrency),
    /** Name of an existing Secrets Manager secret holding the API token; omit to have the stack create one to fill. */
    existingTokenSecretName: z
      .string()
      .regex(/^[\w/+=.@-]{1,512}$/, { message: "needs a Secrets Manager secret name (letters, digits, /_+=.@-)" })
      .optional(),
    /** S3 key prefix every object of this app lives under; the function may touch nothing else. */
    prefix: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/, {
        message: 'needs a key prefix like "reports" or "callreport/daily" (lower case, no leading or trailing slash)',
      })
      .default(DEFAULTS.prefix),
    /**
     * Days an emailed download or archive link stays valid: signed by the stack's link key, so independent of
     * any role session; at most `retention.reportDays`, since the report is gone after that.
     */
    linkExpiryDays: limited(LIMITS.linkExpiryDays, DEFAULTS.linkExpiryDays),
    /** On a day without calls: still send the (empty) report, or skip the email. */
    emptyDay: emptyDaySchema.default(DEFAULTS.emptyDay),
    /** Attach the workbook to the email in addition to the link (when it fits SES's size limit). */
    attachWorkbook: flag(DEFAULTS.attachWorkbook),
    /** Include call transcripts in the workbook. */
    includeTranscripts: flag(DEFAULTS.includeTranscripts),
    /** Mask phone numbers in the workbook and email. */
    maskPhoneNumbers: flag(DEFAULTS.maskPhoneNumbers),
    /** Narrow the report to one assistant, campaign, call type or status. */
    filters: z
      .strictObject({
        assistantId: entityIdSchema.optional(),
        campaignId: entityIdSchema.optional(),
        callType: filterTextSchema.optional(),
        callStatus: filterTextSchema.optional(),
      })
      .default({}),
    /** Longest backfill range (days) one invocation accepts. */
    maxBackfillDays: limited(LIMITS.maxBackfillDays, DEFAULTS.maxBackfillDays),
    /** How long reports are kept. */
    retention: z
      .strictObject({
        /** Days after which report objects expire. */
        reportDays: wholeNumber(1, 3650),
        /** Days an overwritten or deleted report version is kept (bucket versioning). */
        noncurrentVersionDays: wholeNumber(1, 3650, 30),
      })
      .default({ reportDays: 400, noncurrentVersionDays: 30 }),
    /** What `cdk destroy` does to the buckets, log group and secret: keep them (prod) or delete them with their data (dev). */
    removal: z.enum(["retain", "destroy"], { message: 'use "retain" or "destroy"' }).default("retain"),
    /** Optional address subscribed to the alarm topic (confirm the SNS email once). */
    opsEmail: emailAddressSchema.optional(),
    /** CloudWatch Logs retention of the function's logs. */
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        message: `needs one of the CloudWatch Logs retention periods: ${LOG_RETENTION_DAYS.join(", ")}`,
      })
      .default(90),
    // Sized from `npm run bench` (bench/results/): 100k calls peak at ~265 MB RSS and ~12 CPU-s, so 1024 MB
    // (0.58 vCPU) has 3x memory headroom; 15 min because an API rate limit, not compute, bounds a big day.
    /** Function memory (MB); also buys CPU. */
    memorySizeMb: wholeNumber(128, 10240, 1024),
    /** Function timeout (minutes): the limit of one invocation; 15 is Lambda's maximum. */
    timeoutMinutes: wholeNumber(1, 15, 15),
    /**
     * How long one run (a durable execution: a day, or a backfill range) may take in all, rate-limit pauses
     * included, before Lambda stops it (hours).
     */
    executionTimeoutHours: limited(LIMITS.executionTimeoutHours, DEFAULTS.executionTimeoutHours),
    /** /tmp size (MB): the run keeps its calls in S3, so Lambda's free 512 MB is plenty. */
    ephemeralStorageMb: wholeNumber(512, 10240, 512),
    /** Powertools log level. */
    logLevel: z
      .enum(["DEBUG", "INFO", "WARN", "ERROR"], { message: 'use "DEBUG", "INFO", "WARN" or "ERROR"' })
      .default("INFO"),
  })
  .superRefine((settings, ctx) => {
    reportsProblems(settings, ctx);
    const { linkExpiryDays, retention } = settings;
    // Each out-of-range number has its own issue from the schemas above.
    if (Number.isInteger(linkExpiryDays) && Number.isInteger(retention.reportDays)) {
      if (linkExpiryDays > retention.reportDays) {
        ctx.addIssue({
          code: "custom",
          path: ["linkExpiryDays"],
          message: `is ${linkExpiryDays} days (${DEFAULTS.linkExpiryDays} when unset), longer than retention.reportDays (${retention.reportDays}) keeps the report — set linkExpiryDays to at most ${retention.reportDays}`,
        });
      }
    }
    scheduleProblems(settings, ctx);
  });

/**
 * The Lambda environment holds 4 KB in all, and the reports list travels in it (REPORTS) next to about
 * 1 KB of other settings: a longer list would fail at deploy, so it fails at synth.
 */
export const MAX_REPORTS_JSON_BYTES = 3_000;

/** A stage has either its own recipients and filters (one report) or a `reports` list — not both. */
function reportsProblems(
  settings: { recipients?: unknown; filters: Record<string, unknown>; reports?: unknown[] },
  ctx: z.RefinementCtx,
): void {
  if (settings.reports === undefined) {
    if (settings.recipients === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["recipients"],
        message:
          'is missing — add { "to": ["manager@example.com"] }, or a "reports" list with each report\'s recipients',
      });
    }
    return;
  }
  if (settings.recipients !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["recipients"],
      message:
        "is not used when reports is set — move these addresses into the recipients of the reports that need them",
    });
  }
  if (Object.keys(settings.filters).length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["filters"],
      message:
        "is not used when reports is set — give each report its own filters (assistantIds, campaignIds, callTypes, callStatuses)",
    });
  }
  // As the variable's value travels in the function's configuration: JSON text, its quotes escaped.
  const bytes = Buffer.byteLength(JSON.stringify(JSON.stringify(settings.reports)));
  if (bytes > MAX_REPORTS_JSON_BYTES) {
    ctx.addIssue({
      code: "custom",
      path: ["reports"],
      message: `takes ${bytes} bytes in the function's environment, which holds 4 KB in all — keep it under ${MAX_REPORTS_JSON_BYTES} (shorter titles, or a distribution list instead of many addresses)`,
    });
  }
}

/**
 * Stage keys that no longer exist, with what replaced them. The strict schema refuses them as unknown keys;
 * this says what to write instead, since a user upgrading has the old key in cdk.json.
 */
export const RETIRED_STAGE_KEYS: Readonly<Record<string, string>> = {
  linkExpiryHours: `was replaced by linkExpiryDays (days, default ${DEFAULTS.linkExpiryDays}, at most retention.reportDays) — links are now signed by the stack's own key and no longer die with the role session; remove linkExpiryHours and set linkExpiryDays if ${DEFAULTS.linkExpiryDays} days does not suit`,
};

/** The schema's issues with each retired key named on a line of its own (and left out of "unknown key"). */
function withRetiredKeys(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] => {
    if (issue.code !== "unrecognized_keys") return [issue];
    const retired = issue.keys.filter((key) => Object.hasOwn(RETIRED_STAGE_KEYS, key));
    const unknown = issue.keys.filter((key) => !retired.includes(key));
    return [
      ...retired.map((key) => ({
        code: "custom" as const,
        path: [...issue.path, key],
        message: RETIRED_STAGE_KEYS[key] as string,
        input: undefined,
      })),
      // Zod's own wording, for the keys that are left.
      ...(unknown.length > 0
        ? [
            {
              ...issue,
              keys: unknown,
              message: `Unrecognized key${unknown.length > 1 ? "s" : ""}: ${unknown.map((key) => `"${key}"`).join(", ")}`,
            },
          ]
        : []),
    ];
  });
}

export type StageSettings = z.output<typeof stageSettingsSchema>;

/** One resolved stage: its name plus validated settings with defaults applied. */
export interface StageConfig extends StageSettings {
  /** The stage name (`-c stage=<name>`); part of the stack name and tags. */
  readonly name: string;
}

export class StageConfigError extends Error {
  override name = "StageConfigError";
}

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;

/**
 * Picks the stage named by `-c stage=<name>` from the `stages` context and validates it.
 * Every problem is reported with its cdk.json key path and how to fix it.
 */
export function resolveStage(stageName: unknown, stages: unknown): StageConfig {
  if (stages === undefined || stages === null || typeof stages !== "object" || Array.isArray(stages)) {
    throw new StageConfigError(
      'cdk.json has no "stages" object under "context" — add e.g. "stages": { "dev": { ... } } (see the README).',
    );
  }
  const known = Object.keys(stages).sort();
  if (stageName === undefined || stageName === null || stageName === "") {
    throw new StageConfigError(
      `No stage selected — pass one with -c stage=<name>, e.g. "npx cdk synth -c stage=${known[0] ?? "dev"}". Known stages: ${known.join(", ")}.`,
    );
  }
  if (typeof stageName !== "string" || !Object.hasOwn(stages, stageName)) {
    throw new StageConfigError(
      `Unknown stage "${String(stageName)}" — known stages in cdk.json: ${known.join(", ")}. Pick one with -c stage=<name> or add it under context.stages.`,
    );
  }
  if (!STAGE_NAME.test(stageName)) {
    throw new StageConfigError(
      `Stage name "${stageName}" must be lower case letters, digits and dashes (at most 20, starting with a letter) — it becomes part of the stack name.`,
    );
  }
  const result = stageSettingsSchema.safeParse((stages as Record<string, unknown>)[stageName]);
  if (!result.success) {
    const problems = describeIssues(
      new z.ZodError(withRetiredKeys(result.error.issues)),
      (path) => `  stages.${stageName}${path.length > 0 ? dotPath(["", ...path]) : ""}`,
    );
    throw new StageConfigError(
      `Stage "${stageName}" in cdk.json is invalid:\n${problems.join("\n")}\nFix these keys under context.stages.${stageName} and synth again.`,
    );
  }
  return { name: stageName, ...result.data };
}
