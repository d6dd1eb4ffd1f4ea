/**
 * `npm run signed-link` (bin/link.ts), the stack's ArchiveLinkCommand: run as a child process the way npm runs
 * it, reading the key from a local Secrets Manager endpoint; its link must pass the endpoint's own check.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLink } from "../../lambda/links/signing.js";
import { type SecretsEmulator, startSecretsEmulator } from "../support/secrets-emulator.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:LinkSecret-AbCdEf";
const KEY = "k".repeat(64);
const BASE_URL = "https://abc123.lambda-url.eu-central-1.on.aws/";

let secrets: SecretsEmulator;

beforeAll(async () => {
  secrets = await startSecretsEmulator();
  secrets.setSecret(SECRET_ARN, KEY);
});

afterAll(() => secrets?.close());

async function signedLink(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "bin/link.ts", ...args],
      {
        cwd: REPO_ROOT,
        // Only what the child needs: nothing from this machine's AWS setup leaks in.
        env: {
          PATH: process.env.PATH ?? "",
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          AWS_CONFIG_FILE: "/nonexistent",
          AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
        },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const STACK_ARGS = ["--base-url", BASE_URL, "--secret-id", SECRET_ARN, "--prefix", "reports"];

describe("npm run signed-link", () => {
  it("prints an archive link that the endpoint's check accepts, valid for --days", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { code, stdout } = await signedLink(["--archive", ...STACK_ARGS, "--days", "30"]);

    expect(code).toBe(0);
    const link = new URL(stdout.trim());
    expect(link.origin + link.pathname).toBe(`${BASE_URL}archive`);
    const check = checkLink(link.pathname, link.searchParams, [KEY], { now: before, prefix: "reports" });
    expect(check).toMatchObject({ ok: true, target: { kind: "archive", prefix: "reports" } });
    const expires = Number(link.searchParams.get("expires"));
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400);
    expect(expires - before).toBeLessThan(30 * 86_400 + 60);
  });

  it("prints a link to one report under the prefix", async () => {
    const key = "reports/2025/08/04/calls-report-2025-08-04.xlsx";
    const { code, stdout } = await signedLink(["--key", key, ...STACK_ARGS]);

    expect(code).toBe(0);
    const link = new URL(stdout.trim());
    const check = checkLink(link.pathname, link.searchParams, [KEY], {
      now: Math.floor(Date.now() / 1000),
      prefix: "reports",
    });
    expect(check).toMatchObject({ ok: true, target: { kind: "report", key } });
  });

  it.each([
    ["no --prefix", ["--archive", "--base-url", BASE_URL, "--secret-id", SECRET_ARN], "--prefix needs"],
    [
      "a key outside the prefix",
      ["--key", "other/2025/08/04/calls-report-2025-08-04.xlsx", ...STACK_ARGS],
      'is not a report under "reports/"',
    ],
    ["--days 0", ["--archive", ...STACK_ARGS, "--days", "0"], "--days needs a whole number from 1 to 3650"],
    ["--archive and --key", ["--archive", "--key", "reports/a.xlsx", ...STACK_ARGS], "give either --archive or --key"],
    ["an unknown option", ["--archive", ...STACK_ARGS, "--stage", "prod"], "Unknown option '--stage'"],
  ])("refuses %s with a usage line (exit 2)", async (_label, args, message) => {
    const { code, stdout, stderr } = await signedLink(args);

    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(message);
    expect(stderr).toContain("Usage: npm run --silent signed-link -- ");
  });

  it("says which secret it could not read, without printing any link", async () => {
    const { code, stdout, stderr } = await signedLink([
      "--archive",
      ...STACK_ARGS.slice(0, 2),
      "--secret-id",
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:Missing-XyZ123",
      "--prefix",
      "reports",
    ]);

    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      'Could not read the link key "arn:aws:secretsmanager:eu-central-1:123456789012:secret:Missing',
    );
    expect(stderr).toContain("ResourceNotFoundException");
  });
});
