import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { springForwardGapContaining } from "../../lib/schedule-time.js";
import { resolveStage, StageConfigError } from "../../lib/stage-config.js";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The smallest valid stage; tests override one key at a time. */
function stageSettings(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    timezone: "Europe/Berlin",
    recipients: { to: ["manager@example.com"] },
    sender: "reports@example.com",
    ...overrides,
  };
}

function resolveDev(overrides: Record<string, unknown> = {}) {
  return resolveStage("dev", { dev: stageSettings(overrides) });
}

function errorOf(action: () => unknown): StageConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof StageConfigError) return error;
    throw error;
  }
  throw new Error("expected a StageConfigError, nothing was thrown");
}

describe("resolveStage", () => {
  it("applies the documented defaults to a minimal stage", () => {
    const stage = resolveDev();

    expect(stage).toMatchObject({
      name: "dev",
      scheduleTime: "06:30",
      prefix: "reports",
      apiTimezone: "UTC",
      memorySizeMb: 1024,
      timeoutMinutes: 15,
      executionTimeoutHours: 24,
      linkExpiryDays: 30,
      ephemeralStorageMb: 512,
      logLevel: "INFO",
      removal: "retain",
      createSenderIdentity: false,
      recipients: { to: ["manager@example.com"], cc: [], bcc: [] },
    });
  });

  it("accepts every stage shipped in cdk.json", () => {
    const stages = JSON.parse(readFileSync(`${REPO_ROOT}cdk.json`, "utf8")).context.stages;

    for (const name of Object.keys(stages)) {
      expect(resolveStage(name, stages).name).toBe(name);
    }
  });

  it("explains how to pick a stage when none is given", () => {
    const error = errorOf(() => resolveStage(undefined, { dev: stageSettings(), prod: stageSettings() }));

    expect(error.message).toContain("-c stage=<name>");
    expect(error.message).toContain("Known stages: dev, prod");
  });

  it("lists the known stages for an unknown stage name", () => {
    const error = errorOf(() => resolveStage("qa", { dev: stageSettings(), prod: stageSettings() }));

    expect(error.message).toContain('Unknown stage "qa"');
    expect(error.message).toContain("dev, prod");
  });

  it("says where to add stages when cdk.json has none", () => {
    expect(errorOf(() => resolveStage("dev", undefined)).message).toContain('"stages"');
  });

  it("rejects a stage name that cannot be part of a stack name", () => {
    expect(errorOf(() => resolveStage("Prod_1", { Prod_1: stageSettings() })).message).toContain("lower case");
  });

  it("names the key and the fix for a timezone Intl does not know", () => {
    const error = errorOf(() => resolveDev({ timezone: "Europe/Berlinn" }));

    expect(error.message).toContain("stages.dev.timezone: is not an IANA timezone");
    expect(error.message).toContain('"Europe/Berlin"');
  });

  it("names the list position of a bad recipient address", () => {
    const error = errorOf(() => resolveDev({ recipients: { to: ["ok@example.com", "not-an-address"] } }));

    expect(error.message).toContain("stages.dev.recipients.to[1]: is not an email address");
  });

  it("requires at least one recipient", () => {
    expect(errorOf(() => resolveDev({ recipients: { to: [] } })).message).toContain(
      "stages.dev.recipients.to: needs at least one address",
    );
  });

  describe("reports", () => {
    const sales = { name: "sales", title: "Sales", recipients: { to: ["sales@example.com"] } };
    const withReports = (reports: unknown, overrides: Record<string, unknown> = {}) => {
      const { recipients: _unused, ...rest } = stageSettings(overrides);
      return resolveStage("dev", { dev: { ...rest, reports } });
    };

    it("takes a list of named reports instead of the stage's recipients, filters defaulting to every call", () => {
      const stage = withReports([
        sales,
        {
          name: "finance",
          recipients: { to: ["cfo@example.com"] },
          includeTranscripts: false,
          filters: { campaignIds: [7, 8] },
        },
      ]);
      expect(stage.recipients).toBeUndefined();
      expect(stage.reports).toEqual([
        { ...sales, recipients: { to: ["sales@example.com"], cc: [], bcc: [] }, filters: {} },
        {
          name: "finance",
          recipients: { to: ["cfo@example.com"], cc: [], bcc: [] },
          includeTranscripts: false,
          filters: { campaignIds: [7, 8] },
        },
      ]);
    });

    it.each([
      [[sales, { ...sales, title: "Sales 2" }], 'stages.dev.reports[1].name: "sales" is already the name of report 0'],
      [[{ ...sales, name: "Sales Team" }], "stages.dev.reports[0].name: needs a slug"],
      [[{ ...sales, name: "2025" }], "stages.dev.reports[0].name: needs a slug"],
      [
        [{ ...sales, filters: { assistantIds: ["12"] } }],
        "stages.dev.reports[0].filters.assistantIds[0]: is not a positive whole number",
      ],
      [
        [{ ...sales, filters: { campaignIds: [1.5] } }],
        "stages.dev.reports[0].filters.campaignIds[0]: is not a positive whole number",
      ],
      [
        [{ ...sales, filters: { callTypes: [] } }],
        "stages.dev.reports[0].filters.callTypes: is an empty list, which would match no call",
      ],
      [[{ ...sales, filters: { assistantId: 3 } }], 'stages.dev.reports[0].filters (unknown key "assistantId")'],
      [[{ ...sales, recipients: { to: [] } }], "stages.dev.reports[0].recipients.to: needs at least one address"],
      [
        [{ ...sales, recipients: undefined }],
        'stages.dev.reports[0].recipients: needs { "to": ["manager@example.com"]',
      ],
      [[{ ...sales, attachWorkbook: "yes" }], "stages.dev.reports[0].attachWorkbook: needs true or false"],
      [[], "stages.dev.reports: is empty — leave it out"],
    ])("refuses %j with the key path and the fix", (reports, message) => {
      expect(errorOf(() => withReports(reports)).message).toContain(message);
    });

    it("refuses a stage with both its own recipients or filters and a reports list, and one with neither", () => {
      const both = errorOf(() => resolveDev({ reports: [sales], filters: { campaignId: 3 } })).message;
      expect(both).toContain("stages.dev.recipients: is not used when reports is set — move these addresses");
      expect(both).toContain("stages.dev.filters: is not used when reports is set");
      const { recipients: _unused, ...neither } = stageSettings();
      expect(errorOf(() => resolveStage("dev", { dev: neither })).message).toContain(
        'stages.dev.recipients: is missing — add { "to": ["manager@example.com"] }, or a "reports" list',
      );
    });

    it("refuses more API queries than a day should make, and a list too long for the function's environment", () => {
      const ids = Array.from({ length: 21 }, (_, index) => index + 1);
      expect(errorOf(() => withReports([{ ...sales, filters: { assistantIds: ids } }])).message).toContain(
        "stages.dev.reports: need 21 different assistant × campaign API queries a day; at most 20",
      );
      const many = Array.from({ length: 16 }, (_, index) => ({
        name: `team-${index}`,
        recipients: { to: Array.from({ length: 8 }, (_, n) => `manager-${n}@example.com`) },
      }));
      expect(errorOf(() => withReports(many)).message).toMatch(
        /stages\.dev\.reports: takes \d+ bytes in the function's environment, which holds 4 KB in all/,
      );
    });
  });

  it.each(["6:30", "24:00", "06:60", "0630"])("rejects the schedule time %s with the expected format", (time) => {
    expect(errorOf(() => resolveDev({ scheduleTime: time })).message).toContain(
      'stages.dev.scheduleTime: needs a 24-hour local time "HH:MM"',
    );
  });

  it("rejects a schedule time that clocks skip when they spring forward, since Scheduler then skips the run", () => {
    const error = errorOf(() => resolveDev({ timezone: "America/New_York", scheduleTime: "02:30" }));

    expect(error.message).toContain('stages.dev.scheduleTime: "02:30" does not exist in America/New_York');
    expect(error.message).toContain("02:00–03:00 is skipped");
  });

  it.each(["00:00", "00:14"])("rejects the schedule time %s, before the previous day has settled", (time) => {
    expect(errorOf(() => resolveDev({ scheduleTime: time })).message).toContain(
      `stages.dev.scheduleTime: "${time}" is less than 15 minutes after midnight, while the API still writes the previous day's last calls — pick "00:15" or later`,
    );
  });

  it("accepts 00:15, the first time after the settling margin", () => {
    expect(resolveDev({ scheduleTime: "00:15" }).scheduleTime).toBe("00:15");
  });

  it("accepts the first minute after the skipped hour", () => {
    expect(resolveDev({ timezone: "Europe/Berlin", scheduleTime: "03:00" }).scheduleTime).toBe("03:00");
  });

  it("finds a half-hour spring-forward gap", () => {
    expect(springForwardGapContaining("Australia/Lord_Howe", "02:15", new Date("2025-06-01T00:00:00Z"))).toEqual({
      from: "02:00",
      to: "02:30",
    });
  });

  it("rejects a misspelled key instead of silently ignoring it", () => {
    const error = errorOf(() => resolveDev({ schedueTime: "07:00" }));

    expect(error.message).toContain('unknown key "schedueTime"');
  });

  it("rejects a log retention CloudWatch does not offer", () => {
    expect(errorOf(() => resolveDev({ logRetentionDays: 10 })).message).toContain(
      "stages.dev.logRetentionDays: needs one of the CloudWatch Logs retention periods",
    );
  });

  it("rejects a Lambda timeout above 15 minutes", () => {
    expect(errorOf(() => resolveDev({ timeoutMinutes: 20 })).message).toContain(
      "stages.dev.timeoutMinutes: needs a whole number from 1 to 15",
    );
  });

  it.each([0, 8785, 1.5, "24"])(
    "rejects the execution timeout %j, outside what a durable execution allows",
    (hours) => {
      expect(errorOf(() => resolveDev({ executionTimeoutHours: hours })).message).toContain(
        "stages.dev.executionTimeoutHours: needs a whole number from 1 to 8784",
      );
    },
  );

  it("accepts an execution timeout of 366 days, Lambda's maximum", () => {
    expect(resolveDev({ executionTimeoutHours: 8784 }).executionTimeoutHours).toBe(8784);
  });

  it("refuses linkExpiryHours in one line that names linkExpiryDays, its replacement", () => {
    const error = errorOf(() => resolveDev({ linkExpiryHours: 168 }));
    const lines = error.message.split("\n").filter((line) => line.includes("linkExpiryHours"));

    expect(lines).toEqual([
      expect.stringMatching(
        /^ {2}stages\.dev\.linkExpiryHours: was replaced by linkExpiryDays \(days, default 30, at most retention\.reportDays\) — /,
      ),
    ]);
    expect(error.message).not.toContain("unknown key");
  });

  it("still names the other unknown keys next to a retired one", () => {
    const error = errorOf(() => resolveDev({ linkExpiryHours: 72, schedueTime: "07:00" }));

    expect(error.message).toContain("stages.dev.linkExpiryHours: was replaced by linkExpiryDays");
    expect(error.message).toContain('unknown key "schedueTime"');
    expect(error.message).not.toContain('"linkExpiryHours"');
  });

  it("keeps links valid as long as the report when linkExpiryDays equals retention.reportDays", () => {
    expect(resolveDev({ linkExpiryDays: 7, retention: { reportDays: 7 } }).linkExpiryDays).toBe(7);
  });

  it("refuses a linkExpiryDays longer than retention.reportDays keeps the report", () => {
    expect(errorOf(() => resolveDev({ linkExpiryDays: 31, retention: { reportDays: 30 } })).message).toContain(
      "stages.dev.linkExpiryDays: is 31 days (30 when unset), longer than retention.reportDays (30) keeps the report — set linkExpiryDays to at most 30",
    );
  });

  it("asks a stage that keeps reports less than 30 days to set a shorter linkExpiryDays", () => {
    expect(errorOf(() => resolveDev({ retention: { reportDays: 14 } })).message).toContain(
      "stages.dev.linkExpiryDays: is 30 days (30 when unset), longer than retention.reportDays (14)",
    );
  });

  it.each([0, 2.5, "30"])("refuses the link expiry %j, not a whole number of days", (days) => {
    expect(errorOf(() => resolveDev({ linkExpiryDays: days })).message).toContain(
      "stages.dev.linkExpiryDays: needs a whole number from 1 to 3650",
    );
  });

  it("reports every bad key at once", () => {
    const error = errorOf(() => resolveDev({ timezone: "Mars/Olympus", sender: "nobody" }));

    expect(error.message).toContain("stages.dev.timezone");
    expect(error.message).toContain("stages.dev.sender");
  });
});

describe("bin/app.ts", () => {
  it("exits with the config message, not a stack trace, when the stage is invalid", () => {
    const context = { stage: "dev", stages: { dev: stageSettings({ timezone: "Nowhere/Land" }) } };

    // The CDK CLI hands context to the app through CDK_CONTEXT_JSON; this is what `cdk synth -c stage=dev` runs.
    const run = spawnSync(process.execPath, ["--import", "tsx", "bin/app.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: "utf8",
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain("stages.dev.timezone: is not an IANA timezone");
    expect(run.stderr).not.toContain("    at ");
  });

  it("refuses to synth a stage that still sets linkExpiryHours, naming linkExpiryDays", () => {
    const context = { stage: "prod", stages: { prod: stageSettings({ linkExpiryHours: 168 }) } };

    const run = spawnSync(process.execPath, ["--import", "tsx", "bin/app.ts"], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
      encoding: "utf8",
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain("stages.prod.linkExpiryHours: was replaced by linkExpiryDays");
    expect(run.stderr).not.toContain("    at ");
  });
});
