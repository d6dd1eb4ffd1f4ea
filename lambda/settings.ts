import { z } from "zod";
import type { ReportDefinition } from "./report/report-definition.js";
import { isValidTimezone } from "./report/window.js";

/**
 * The one vocabulary of callreport's settings: what each is called where the user sets it,
 * its default, and the rule its value follows. The stage config (cdk.json, checked at synth),
 * the Lambda's environment (checked at cold start) and the CLI (flags and environment) all
 * parse with these schemas, so a rule is written once and only its wording around the name
 * differs by where the user set the value. Zod only: this module is imported by the CDK app,
 * the Lambda and the CLI alike.
 */

/** One setting's names: its key under `context.stages.<stage>` in cdk.json, its Lambda variable, its CLI name. */
export interface SettingNames {
  /** Dotted key under `context.stages.<stage>`; absent when the stack derives the value itself. */
  readonly stageKey?: string;
  /** The environment variable the stack sets for the function. */
  readonly env: string;
  /** The CLI flag or environment variable, when the CLI reads the setting too. */
  readonly cli?: string;
}

/** Every setting the functions (the report function, the link endpoint) read, by the name the code uses for it. */
export const SETTINGS = {
  /** The stack's own bucket. */
  bucket: { env: "REPORT_BUCKET" },
  prefix: { stageKey: "prefix", env: "REPORT_PREFIX" },
  timezone: { stageKey: "timezone", env: "REPORT_TIMEZONE", cli: "--timezone" },
  /** The stage name. */
  environment: { env: "REPORT_ENVIRONMENT" },
  apiBaseUrl: { stageKey: "apiBaseUrl", env: "AUTOCALLS_BASE_URL", cli: "AUTOCALLS_BASE_URL" },
  apiTimezone: { stageKey: "apiTimezone", env: "AUTOCALLS_API_TIMEZONE", cli: "AUTOCALLS_API_TIMEZONE" },
  /** The created secret's ARN, or the stage's `existingTokenSecretName`; the CLI takes the token itself. */
  tokenSecretId: { env: "AUTOCALLS_TOKEN_SECRET_ID" },
  fetchConcurrency: { stageKey: "apiConcurrency", env: "AUTOCALLS_CONCURRENCY" },
  mailFrom: { stageKey: "sender", env: "MAIL_FROM", cli: "MAIL_FROM" },
  mailTo: { stageKey: "recipients.to", env: "MAIL_TO", cli: "MAIL_TO" },
  mailCc: { stageKey: "recipients.cc", env: "MAIL_CC" },
  mailBcc: { stageKey: "recipients.bcc", env: "MAIL_BCC" },
  /** How long an emailed download or archive link stays valid (days). */
  linkExpiryDays: { stageKey: "linkExpiryDays", env: "LINK_EXPIRY_DAYS" },
  /** The link endpoint's function URL, under which the report function signs its links. */
  linkBaseUrl: { env: "LINK_BASE_URL" },
  /** The stack-generated secret holding the link signing key (its ARN). */
  linkSecretId: { env: "LINK_SECRET_ID" },
  /** How long reports are kept: the link endpoint's pages say until when a report stays in S3. */
  reportRetentionDays: { stageKey: "retention.reportDays", env: "REPORT_RETENTION_DAYS" },
  emptyDay: { stageKey: "emptyDay", env: "EMPTY_DAY" },
  attachWorkbook: { stageKey: "attachWorkbook", env: "ATTACH_WORKBOOK" },
  includeTranscripts: { stageKey: "includeTranscripts", env: "INCLUDE_TRANSCRIPTS" },
  maskPhoneNumbers: { stageKey: "maskPhoneNumbers", env: "MASK_PHONE_NUMBERS" },
  assistantId: { stageKey: "filters.assistantId", env: "FILTER_ASSISTANT_ID", cli: "--assistant-id" },
  campaignId: { stageKey: "filters.campaignId", env: "FILTER_CAMPAIGN_ID", cli: "--campaign-id" },
  callType: { stageKey: "filters.callType", env: "FILTER_CALL_TYPE" },
  callStatus: { stageKey: "filters.callStatus", env: "FILTER_CALL_STATUS" },
  maxBackfillDays: { stageKey: "maxBackfillDays", env: "MAX_BACKFILL_DAYS" },
  /** Several named reports from one fetch (#17); without it, the settings above make one report named `daily`. */
  reports: { stageKey: "reports", env: "REPORTS", cli: "--config" },
} as const satisfies Record<string, SettingNames>;

/** The function's environment variables, by setting: what the stack writes and the handler reads. */
export const LAMBDA_ENV = Object.fromEntries(Object.entries(SETTINGS).map(([name, { env }]) => [name, env])) as {
  readonly [Name in keyof typeof SETTINGS]: (typeof SETTINGS)[Name]["env"];
};

/** The stage key a Lambda variable is deployed from, if a stage setting (not the stack) sets it. */
export function stageKeyOfEnv(variable: string): string | undefined {
  const setting: SettingNames | undefined = Object.values(SETTINGS).find(({ env }) => env === variable);
  return setting?.stageKey;
}

/**
 * Value of a stack-created token secret until the user stores the real token. The function
 * recognises it and says how to fill the secret instead of sending it to the API as a token.
 */
export const TOKEN_PLACEHOLDER = "REPLACE_WITH_AUTOCALLS_API_TOKEN";

/**
 * The folder under the prefix where a run keeps its working files (`<prefix>/_work/<run>/…`); the bucket's
 * lifecycle rule for it expires them, so the run and the rule must name the same folder.
 */
export const WORK_FOLDER = "_work";

export const DEFAULT_API_BASE_URL = "https://app.autocalls.ai/api";

/** Defaults shared by the stage, the Lambda and the CLI. */
export const DEFAULTS = {
  /** The Lambda's and the CLI's report timezone when none is set; a stage must name its own. */
  timezone: "UTC",
  apiBaseUrl: DEFAULT_API_BASE_URL,
  apiTimezone: "UTC",
  /** Equal to the client's DEFAULT_CONCURRENCY (a test keeps them so). */
  apiConcurrency: 10,
  prefix: "reports",
  environment: "prod",
  /** A month of "open last week's report"; a stage keeping reports for less must set its own. */
  linkExpiryDays: 30,
  emptyDay: "send",
  attachWorkbook: true,
  includeTranscripts: true,
  maskPhoneNumbers: false,
  maxBackfillDays: 31,
  /** A day's run, paused by the API's rate limits, finishes well inside a day; a backfill of many days may not. */
  executionTimeoutHours: 24,
} as const;

/** Ranges of the numeric settings, inclusive. */
export const LIMITS = {
  apiConcurrency: { min: 1, max: 16 },
  // The stage also caps it at retention.reportDays: a link must not outlive the report it opens.
  linkExpiryDays: { min: 1, max: 3650 },
  maxBackfillDays: { min: 1, max: 366 },
  // A durable execution may run 1 s to 31,622,400 s (366 days): Lambda's DurableConfig.ExecutionTimeout.
  executionTimeoutHours: { min: 1, max: 366 * 24 },
} as const;

// Each message reads after the setting's name: `stages.dev.timezone: <message>`, `--timezone "X" <message>.`

export const timezoneSchema = z
  .string({ message: 'needs an IANA timezone such as "Europe/Berlin"' })
  .refine(isValidTimezone, { message: 'is not an IANA timezone — use a name like "Europe/Berlin" or "UTC"' });

export const emailAddressSchema = z.email({ message: 'is not an email address — use e.g. "reports@example.com"' });

export const emailListSchema = z.array(emailAddressSchema, {
  message: 'needs a list of email addresses, e.g. ["manager@example.com"]',
});

/** The email needs someone to go to; cc and bcc may stay empty. */
export const toListSchema = emailListSchema.min(1, { message: "needs at least one address" });

/** A list of addresses written as text (an environment variable): comma-separated, blanks ignored. */
export function splitAddressList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

/**
 * The Autocalls API base URL: a scheme, `//` and a host, parseable as a URL. A deployed stage
 * must use https (`httpsOnly`); the Lambda and the CLI also take http, for a local API.
 */
export function apiBaseUrlSchema(options: { httpsOnly: boolean }) {
  const pattern = options.httpsOnly ? /^https:\/\/[^/]+/ : /^https?:\/\/[^/]+/;
  return z.string().refine((url) => pattern.test(url) && URL.canParse(url), {
    message: `is not an ${options.httpsOnly ? "https" : "http(s)"} URL — e.g. ${DEFAULT_API_BASE_URL}`,
  });
}

export const NOT_A_WHOLE_NUMBER = "is not a positive whole number";

/** An assistant or campaign id. Beyond MAX_SAFE_INTEGER the id would be rounded, or reach the API as 1e+23. */
export const entityIdSchema = z
  .number({ message: NOT_A_WHOLE_NUMBER })
  .int({ message: NOT_A_WHOLE_NUMBER })
  .positive({ message: NOT_A_WHOLE_NUMBER })
  .max(Number.MAX_SAFE_INTEGER, { message: `too large for an id (at most ${Number.MAX_SAFE_INTEGER})` });

/** An id written as text: plain decimal digits only (no "1e3", "0x10", "+5" or "1.0"). */
export const entityIdTextSchema = z
  .string()
  .regex(/^[1-9]\d*$/, { message: NOT_A_WHOLE_NUMBER })
  .transform(Number)
  .pipe(entityIdSchema);

/** A filter value such as a call type or status; an empty one would match nothing. */
export const filterTextSchema = z.string().min(1, { message: "needs a non-empty text" });

export const emptyDaySchema = z.enum(["send", "skip"], { message: 'use "send" or "skip"' });

/** A whole number in `[min, max]`, one message for every way of missing it. */
export function wholeNumberSchema(min: number, max: number) {
  const message = `needs a whole number from ${min} to ${max}`;
  return z.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

/** The same, written as text (an environment variable). */
export function wholeNumberTextSchema(min: number, max: number) {
  return z.coerce.number({ message: `needs a whole number from ${min} to ${max}` }).pipe(wholeNumberSchema(min, max));
}

/** A report's name: it becomes a key folder, a file folder and a word in manual events. */
export const REPORT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** More would mean more working files, steps and emails than one run should carry. */
export const MAX_REPORTS = 20;
/** Distinct assistant × campaign queries a day: each costs at least one request, usually one per 100 calls. */
export const MAX_REPORT_FETCHES = 20;

const nonEmptyList = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item, { message: `needs a list of ${what}` }).min(1, {
    message: `is an empty list, which would match no call — leave the key out to take every ${what.replace(/s$/, "")}`,
  });

/** One report as written in a stage's `reports` or a CLI `--config` file; options left out take the stage's. */
export const reportDefinitionSchema = z.strictObject({
  name: z.string({ message: 'needs a name such as "sales"' }).regex(REPORT_NAME_PATTERN, {
    message:
      'needs a slug: lower-case letters, digits and dashes, starting with a letter, at most 32 characters (e.g. "sales")',
  }),
  title: z
    .string({ message: 'needs a text such as "Sales"' })
    .trim()
    .min(1, { message: "is empty — leave it out to use the name" })
    .max(60, { message: "is longer than 60 characters — email subjects get cut" })
    .optional(),
  recipients: z.strictObject(
    { to: toListSchema, cc: emailListSchema.default([]), bcc: emailListSchema.default([]) },
    { message: 'needs { "to": ["manager@example.com"], "cc": [], "bcc": [] }' },
  ),
  filters: z
    .strictObject({
      assistantIds: nonEmptyList(entityIdSchema, "assistant ids").optional(),
      campaignIds: nonEmptyList(entityIdSchema, "campaign ids").optional(),
      callTypes: nonEmptyList(filterTextSchema, "call types").optional(),
      callStatuses: nonEmptyList(filterTextSchema, "call statuses").optional(),
    })
    .default({}),
  emptyDay: emptyDaySchema.optional(),
  attachWorkbook: z.boolean({ message: "needs true or false (without quotes)" }).optional(),
  includeTranscripts: z.boolean({ message: "needs true or false (without quotes)" }).optional(),
  maskPhoneNumbers: z.boolean({ message: "needs true or false (without quotes)" }).optional(),
});

export type ReportDefinitionInput = z.output<typeof reportDefinitionSchema>;

/** The list: unique names, and not more API fetches a day than MAX_REPORT_FETCHES. */
export const reportListSchema = z
  .array(reportDefinitionSchema, {
    message: 'needs a list of reports, e.g. [{ "name": "sales", "recipients": { "to": ["…"] } }]',
  })
  .min(1, { message: "is empty — leave it out for one report with the stage's recipients and filters" })
  .max(MAX_REPORTS, { message: `has more than ${MAX_REPORTS} reports — split them across stages` })
  .superRefine((reports, ctx) => {
    const seen = new Map<string, number>();
    reports.forEach((report, index) => {
      const first = seen.get(report.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          message: `"${report.name}" is already the name of report ${first} — each report needs its own name`,
        });
      } else seen.set(report.name, index);
    });
    const queries = new Set(
      reports.flatMap((report) =>
        (report.filters.assistantIds ?? [0]).flatMap((a) =>
          (report.filters.campaignIds ?? [0]).map((c) => `${a}/${c}`),
        ),
      ),
    );
    if (queries.size > MAX_REPORT_FETCHES) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `need ${queries.size} different assistant × campaign API queries a day; at most ${MAX_REPORT_FETCHES} — filter by fewer ids, or by callTypes/callStatuses, which cost no request`,
      });
    }
  });

/** The options a report leaves out: the stage's own (or the CLI's) values. */
export type ReportOptionDefaults = Pick<
  ReportDefinition,
  "emptyDay" | "attachWorkbook" | "includeTranscripts" | "maskPhoneNumbers"
>;

/** The reports with every option set; the title defaults to the name. */
export function resolveReports(
  reports: readonly ReportDefinitionInput[],
  defaults: ReportOptionDefaults,
): ReportDefinition[] {
  return reports.map((report) => ({
    name: report.name,
    title: report.title ?? titleOfName(report.name),
    recipients: report.recipients,
    // Only the lists that are there: an absent list takes every value (exactOptionalPropertyTypes).
    filters: Object.fromEntries(
      Object.entries(report.filters).filter(([, list]) => list !== undefined),
    ) as ReportDefinition["filters"],
    emptyDay: report.emptyDay ?? defaults.emptyDay,
    attachWorkbook: report.attachWorkbook ?? defaults.attachWorkbook,
    includeTranscripts: report.includeTranscripts ?? defaults.includeTranscripts,
    maskPhoneNumbers: report.maskPhoneNumbers ?? defaults.maskPhoneNumbers,
  }));
}

/** `north-sales` → `North sales`: a readable default title. */
export function titleOfName(name: string): string {
  const words = name.replace(/-+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * One line per problem, `<where the user set it>: <what is wrong>`. The path is rendered by
 * zod's own `toDotPath` (what `z.prettifyError` prints after "at"); `where` turns it into the
 * name the user knows, e.g. a cdk.json key path or an environment variable.
 */
export function describeIssues(
  error: z.ZodError,
  where: (path: readonly PropertyKey[]) => string,
  reason: (message: string) => string = (message) => message,
): string[] {
  return error.issues.map((issue) => {
    const unknownKeys =
      issue.code === "unrecognized_keys" ? ` (unknown key ${issue.keys.map((key) => `"${key}"`).join(", ")})` : "";
    return `${where(issue.path)}${unknownKeys}: ${reason(issue.message)}`;
  });
}

/** A path as zod prints it: `recipients.to[1]`. */
export function dotPath(path: readonly PropertyKey[]): string {
  return z.core.toDotPath(path);
}
