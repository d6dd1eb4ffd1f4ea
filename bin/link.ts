#!/usr/bin/env node
/**
 * Prints a signed link of a deployed stage, signed like the email's links with the stage's link key:
 *   npm run --silent signed-link -- --archive      --base-url URL --secret-id ARN --prefix PREFIX [--days N]
 *   npm run --silent signed-link -- --key OBJECTKEY --base-url URL --secret-id ARN --prefix PREFIX [--days N]
 * The stack's ArchiveLinkCommand output is the first, filled in. The key (its AWSCURRENT version) is read with
 * the caller's AWS credentials, from the region in the secret's ARN; only the link is printed.
 */
import { parseArgs } from "node:util";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type LinkTarget, signLink, underPrefix } from "../lambda/links/signing.js";
import { DEFAULTS, LIMITS } from "../lambda/settings.js";

const USAGE =
  "Usage: npm run --silent signed-link -- (--archive | --key <object key>) --base-url <LinkEndpointUrl> " +
  "--secret-id <LinkSecretId> --prefix <prefix> [--days N]";

class UsageError extends Error {}

function parseInput(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      archive: { type: "boolean", default: false },
      key: { type: "string" },
      "base-url": { type: "string" },
      "secret-id": { type: "string" },
      prefix: { type: "string" },
      days: { type: "string", default: String(DEFAULTS.linkExpiryDays) },
    },
    strict: true,
  });
  const baseUrl = values["base-url"];
  const secretId = values["secret-id"];
  const prefix = values.prefix?.replace(/^\/+|\/+$/g, "");
  if (!baseUrl || !URL.canParse(baseUrl) || !baseUrl.startsWith("https://")) {
    throw new UsageError("--base-url needs the stack's LinkEndpointUrl output (https://…)");
  }
  if (!secretId) throw new UsageError("--secret-id needs the stack's LinkSecretId output");
  if (!prefix) throw new UsageError('--prefix needs the stage\'s prefix, e.g. "reports"');
  if (values.archive === (values.key !== undefined)) throw new UsageError("give either --archive or --key");
  const { min, max } = LIMITS.linkExpiryDays;
  const days = Number(values.days);
  if (!/^\d+$/.test(values.days) || days < min || days > max) {
    throw new UsageError(`--days needs a whole number from ${min} to ${max}`);
  }
  let target: LinkTarget = { kind: "archive", prefix };
  if (values.key !== undefined) {
    if (!underPrefix(values.key, prefix)) {
      throw new UsageError(`--key "${values.key}" is not a report under "${prefix}/" — the endpoint would refuse it`);
    }
    target = { kind: "report", key: values.key };
  }
  return { baseUrl, secretId, target, days };
}

/** `arn:aws:secretsmanager:<region>:…`; a plain name leaves the region to the SDK's usual sources. */
function regionOf(secretId: string): string | undefined {
  const parts = secretId.split(":");
  return parts[0] === "arn" && parts[2] === "secretsmanager" && parts[3] ? parts[3] : undefined;
}

async function main(argv: string[]): Promise<number> {
  let input: ReturnType<typeof parseInput>;
  try {
    input = parseInput(argv);
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))) throw error;
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const region = regionOf(input.secretId);
  const client = new SecretsManagerClient(region === undefined ? {} : { region });
  let secret: string | undefined;
  try {
    ({ SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: input.secretId })));
  } catch (error) {
    process.stderr.write(
      `Could not read the link key "${input.secretId}" (${(error as Error).name}: ${(error as Error).message}) — ` +
        "check your AWS credentials and that they may read it.\n",
    );
    return 1;
  }
  if (!secret) {
    process.stderr.write(`The link key "${input.secretId}" holds no text value.\n`);
    return 1;
  }
  const expires = Math.floor(Date.now() / 1000) + input.days * 86_400;
  process.stdout.write(`${signLink(input.baseUrl, { target: input.target, expires }, secret)}\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
