import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLI_ENV, CLI_OPTIONS } from "../bin/report-cli.js";
import { LAMBDA_ENV } from "../lambda/settings.js";
import { stageSettingsSchema } from "../lib/stage-config.js";

/**
 * The README is part of the product: these checks keep it true to the code. CI also runs the
 * quick start's `npm ci && npm run demo` and `npm test` literally (see .ci/run).
 */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const packageJson = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README has a "## ${title}" section`).toBeGreaterThan(-1);
  const end = README.indexOf("\n## ", start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

/** Names in the first column of markdown tables: | `name` | … */
function documentedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const firstCell = /^\|\s*([^|]+)\|/.exec(line)?.[1] ?? "";
    for (const match of firstCell.matchAll(/`([^`]+)`/g)) names.add(match[1] as string);
  }
  return names;
}

describe("README", () => {
  it("has a quick start of exactly two commands: install + demo, and test", () => {
    const commands = [...section("Quick start").matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
    expect(commands).toEqual(["npm ci && npm run demo", "npm test"]);
  });

  it("documents every stage setting the stack accepts, and no other", () => {
    const documented = documentedNames(section("Configuration"));
    const settings = Object.keys(stageSettingsSchema.shape);
    for (const setting of settings) expect(documented, `stage setting ${setting}`).toContain(setting);
    const lambdaVariables = new Set<string>(Object.values(LAMBDA_ENV));
    const extra = [...documented].filter((name) => !settings.includes(name) && !lambdaVariables.has(name));
    expect(extra).toEqual([]);
  });

  it("documents every environment variable the Lambda reads", () => {
    const documented = documentedNames(section("Configuration"));
    for (const variable of Object.values(LAMBDA_ENV)) expect(documented, variable).toContain(variable);
  });

  it("documents every CLI flag and environment variable, and no other", () => {
    const documented = documentedNames(section("Running against the real API"));
    const flags = Object.keys(CLI_OPTIONS).map((name) => `--${name}`);
    expect([...documented].sort()).toEqual([...flags, ...CLI_ENV].sort());
  });

  it("names only npm scripts that exist", () => {
    for (const match of README.matchAll(/npm run (?:--silent )?([\w:-]+)/g)) {
      expect(Object.keys(packageJson.scripts), `npm run ${match[1]}`).toContain(match[1]);
    }
  });

  it("shows pictures and links documents that exist", () => {
    const targets = [...README.matchAll(/\]\(((?:docs|bench|lib|bin|lambda)\/[^)#]+|cdk\.json)\)/g)].map(
      (m) => m[1] as string,
    );
    expect(targets.length).toBeGreaterThan(4);
    for (const target of targets) expect(existsSync(join(ROOT, target)), target).toBe(true);
  });
});
