import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The shape the README draws, read from the source: entry points → pipeline → domain ←
 * adapters. Each rule lists what a folder may import, so a new import of exceljs, nodemailer,
 * the AWS SDK or the settings into the domain fails here, not in a review.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Every module a file imports (static, re-export, dynamic), as written. */
function importsOf(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers = new Set<string>();
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/g)) {
    specifiers.add(match[1] as string);
  }
  for (const match of source.matchAll(/import\(\s*"([^"]+)"\s*\)/g)) specifiers.add(match[1] as string);
  return [...specifiers];
}

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(ROOT, folder, name));
}

/** A relative import as a path from the repository root (`lambda/report/call.ts`); packages as written. */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, ".ts");
}

function violations(folder: string, allowed: (target: string) => boolean): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(file)
      .map((specifier) => target(file, specifier))
      .filter((imported) => !allowed(imported))
      .map((imported) => `${relative(ROOT, file)} imports ${imported}`),
  );
}

/** Pure libraries the domain may use: dates, HTML escaping. */
const DOMAIN_PACKAGES = /^(date-fns(\/.*)?|@date-fns\/tz|escape-html)$/;

describe("the import graph", () => {
  it("reads the imports it judges (the rules below would pass vacuously otherwise)", () => {
    const pipeline = importsOf(join(ROOT, "lambda/pipeline.ts")).map((specifier) =>
      target(join(ROOT, "lambda/pipeline.ts"), specifier),
    );
    expect(pipeline).toContain("lambda/report/report-definition.ts");
    expect(pipeline).toContain("lambda/ports.ts");
    expect(importsOf(join(ROOT, "lambda/adapters/xlsx/workbook-writer.ts"))).toContain("exceljs");
  });

  it("keeps the domain pure: only itself and pure libraries — no exceljs, nodemailer, AWS SDK, node:, settings or ports", () => {
    expect(
      violations(
        "lambda/report",
        (imported) => imported.startsWith("lambda/report/") || DOMAIN_PACKAGES.test(imported),
      ),
    ).toEqual([]);
  });

  it("lets adapters and the client depend on the domain and the ports, never on the pipeline or an entry point", () => {
    const upward = (imported: string) =>
      !/^(lambda\/(pipeline|handler|events|config)\.ts|bin\/|lib\/|demo\/)/.test(imported);
    expect([...violations("lambda/adapters", upward), ...violations("lambda/autocalls", upward)]).toEqual([]);
  });

  it("lets the pipeline use the domain and its ports, not the adapters or the client it is handed", () => {
    const pipelineFiles = [
      "lambda/pipeline.ts",
      "lambda/day-fetch.ts",
      "lambda/fetch-part.ts",
      "lambda/steps.ts",
      "lambda/email-delivery.ts",
      "lambda/call-spool.ts",
      "lambda/ports.ts",
    ];
    // The fetch's errors are the one thing of the client's the pipeline names: it judges a day
    // fetched in parts complete or not, and says so in the same words as the one-pass fetch.
    const sharedErrors = "lambda/autocalls/errors.ts";
    const found = pipelineFiles.flatMap((file) =>
      importsOf(join(ROOT, file))
        .map((specifier) => target(join(ROOT, file), specifier))
        .filter(
          (imported) =>
            (/^lambda\/(adapters|autocalls)\//.test(imported) && imported !== sharedErrors) ||
            /^(exceljs|nodemailer|@aws-sdk|@aws\/durable-execution)/.test(imported),
        )
        .map((imported) => `${file} imports ${imported}`),
    );
    expect(found).toEqual([]);
  });

  it("keeps the demo's simulated API out of everything the Lambda runs", () => {
    expect(violations("lambda", (imported) => !imported.startsWith("demo/"))).toEqual([]);
  });
});
