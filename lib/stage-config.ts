import { z } from "zod";
import { DEFAULT_CONCURRENCY } from "../lambda/autocalls/client.js";
import { DEFAULT_API_BASE_URL } from "../lambda/config.js";
import { isValidTimezone, SETTLING_MARGIN_MINUTES } from "../lambda/report/window.js";

/** CloudWatch Logs accepts only these retention periods (days); anything else fails at deploy, so fail at synth. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const timezone = z
  .string({ message: 'needs an IANA timezone such as "Europe/Berlin"' })
  .refine(isValidTimezone, { message: 'is not an IANA timezone — use a name such as "Europe/Berlin" or "UTC"' });
const emailAddress = z.email({ message: 'is not an email address — use e.g. "reports@example.com"' });
const emailList = z.array(emailAddress, { message: 'needs a list of email addresses, e.g. ["manager@example.com"]' });
const flag = (fallback: boolean) => z.boolean({ message: "needs true or false (without quotes)" }).default(fallback);
const wholeNumber = (min: number, max: number, fallback?: number) => {
  const schema = z
    .number({ message: `needs a whole number from ${min} to ${max}` })
    .int({ message: `needs a whole number from ${min} to ${max}` })
    .min(min, { message: `needs a whole number from ${min} to ${max}` })
    .max(max, { message: `needs a whole number from ${min} to ${max}` });
  return fallback === undefined ? schema : schema.default(fallback);
};

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
    timezone,
    /** Local wall-clock time of the daily run, "HH:MM" (24 h) in `timezone`. */
    scheduleTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'needs a 24-hour local time "HH:MM", e.g. "06:30"' })
      .default("06:30"),
    /** Who receives the daily email. */
    recipients: z.strictObject(
      {
        to: emailList.min(1, { message: "needs at least one address" }),
        cc: emailList.default([]),
        bcc: emailList.default([]),
      },
      { message: 'needs { "to": ["manager@example.com"], "cc": [], "bcc": [] }' },
    ),
    /** The From address; SES must have it (or its domain) verified. */
    sender: emailAddress,
    /** Create the SES identity for the sender in this stack (you still confirm the email / publish the DKIM records). */
    createSenderIdentity: flag(false),
    /** Which identity to create when `createSenderIdentity` is on: the single address or its whole domain (DKIM). */
    senderIdentityType: z.enum(["address", "domain"], { message: 'use "address" or "domain"' }).default("address"),
    /**
     * The SES account is still in the sandbox: SES then also authorizes each recipient identity,
     * so the function is granted those (and only those) as well.
     */
    sesSandbox: flag(false),
    /** Autocalls API base URL. */
    apiBaseUrl: z
      .url({ protocol: /^https$/, message: 'needs an https URL, e.g. "https://app.autocalls.ai/api"' })
      .default(DEFAULT_API_BASE_URL),
    /** Timezone the Autocalls API writes its naive timestamps in. */
    apiTimezone: timezone.default("UTC"),
    /** Parallel page fetches against the Autocalls API. */
    apiConcurrency: wholeNumber(1, 16, DEFAULT_CONCURRENCY),
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
      .default("reports"),
    /** Lifetime of the presigned download link in the email (SigV4 allows at most 7 days). */
    linkExpiryHours: wholeNumber(1, 168, 168),
    /** On a day without calls: still send the (empty) report, or skip the email. */
    emptyDay: z.enum(["send", "skip"], { message: 'use "send" or "skip"' }).default("send"),
    /** Attach the workbook to the email in addition to the link (when it fits SES's size limit). */
    attachWorkbook: flag(true),
    /** Include call transcripts in the workbook. */
    includeTranscripts: flag(true),
    /** Mask phone numbers in the workbook and email. */
    maskPhoneNumbers: flag(false),
    /** Narrow the report to one assistant, campaign, call type or status. */
    filters: z
      .strictObject({
        assistantId: z.number().int().positive().optional(),
        campaignId: z.number().int().positive().optional(),
        callType: z.string().min(1).optional(),
        callStatus: z.string().min(1).optional(),
      })
      .default({}),
    /** Longest backfill range (days) one invocation accepts. */
    maxBackfillDays: wholeNumber(1, 366, 31),
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
    opsEmail: emailAddress.optional(),
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
    /** Function timeout (minutes); 15 is Lambda's maximum. */
    timeoutMinutes: wholeNumber(1, 15, 15),
    /** /tmp size (MB): the day's calls are spooled to disk. */
    ephemeralStorageMb: wholeNumber(512, 10240, 4096),
    /** Powertools log level. */
    logLevel: z
      .enum(["DEBUG", "INFO", "WARN", "ERROR"], { message: 'use "DEBUG", "INFO", "WARN" or "ERROR"' })
      .default("INFO"),
  })
  .superRefine((settings, ctx) => {
    if (minuteOfDay(settings.scheduleTime) < SETTLING_MARGIN_MINUTES) {
      const earliest = hhmm(SETTLING_MARGIN_MINUTES);
      ctx.addIssue({
        code: "custom",
        path: ["scheduleTime"],
        message: `"${settings.scheduleTime}" is less than ${SETTLING_MARGIN_MINUTES} minutes after midnight, while the API still writes the previous day's last calls — pick "${earliest}" or later`,
      });
    }
    if (!isValidTimezone(settings.timezone)) return;
    const gap = springForwardGapContaining(settings.timezone, settings.scheduleTime, new Date());
    if (gap === undefined) return;
    ctx.addIssue({
      code: "custom",
      path: ["scheduleTime"],
      message:
        `"${settings.scheduleTime}" does not exist in ${settings.timezone} on the day clocks spring forward ` +
        `(${gap.from}–${gap.to} is skipped) and EventBridge Scheduler skips that day's run — pick a time outside it`,
    });
  });

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** UTC offset of `timezone` at `instantMs`, in minutes (from the wall clock Intl shows for that instant). */
function utcOffsetMinutes(format: Intl.DateTimeFormat, instantMs: number): number {
  const part = (parts: Intl.DateTimeFormatPart[], type: string) => Number(parts.find((p) => p.type === type)?.value);
  const parts = format.formatToParts(instantMs);
  const wallMs = Date.UTC(
    part(parts, "year"),
    part(parts, "month") - 1,
    part(parts, "day"),
    part(parts, "hour") % 24,
    part(parts, "minute"),
  );
  return Math.round((wallMs - Math.floor(instantMs / MINUTE_MS) * MINUTE_MS) / MINUTE_MS);
}

const minuteOfDay = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * The skipped wall-clock span containing `time` when clocks jump forward in `timezone` within two years
 * from `from`, or undefined. EventBridge Scheduler skips a cron run whose local time does not exist.
 */
export function springForwardGapContaining(
  timezone: string,
  time: string,
  from: Date,
): { from: string; to: string } | undefined {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
  });
  const target = minuteOfDay(time);
  const start = Math.floor(from.getTime() / HOUR_MS) * HOUR_MS;
  let before = utcOffsetMinutes(format, start);
  // Offsets change at most a few times a year: sample daily, then narrow each forward jump to the minute.
  for (let instant = start + DAY_MS; instant <= start + 2 * 366 * DAY_MS; instant += DAY_MS) {
    const after = utcOffsetMinutes(format, instant);
    if (after > before) {
      let low = instant - DAY_MS;
      let high = instant;
      while (high - low > MINUTE_MS) {
        const middle = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
        if (utcOffsetMinutes(format, middle) === before) low = middle;
        else high = middle;
      }
      const gapStart = (((high / MINUTE_MS + before) % 1440) + 1440) % 1440;
      const gapLength = after - before;
      if ((target - gapStart + 1440) % 1440 < gapLength)
        return { from: hhmm(gapStart), to: hhmm(gapStart + gapLength) };
    }
    before = after;
  }
  return undefined;
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
    const problems = result.error.issues.map((issue) => `  stages.${stageName}${formatPath(issue)}: ${issue.message}`);
    throw new StageConfigError(
      `Stage "${stageName}" in cdk.json is invalid:\n${problems.join("\n")}\nFix these keys under context.stages.${stageName} and synth again.`,
    );
  }
  return { name: stageName, ...result.data };
}

function formatPath(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((key) => (typeof key === "number" ? `[${key}]` : `.${String(key)}`)).join("");
  if (issue.code === "unrecognized_keys")
    return `${path} (unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")})`;
  return path;
}
