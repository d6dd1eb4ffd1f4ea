/**
 * The real report handler against real local servers — the simulated Autocalls API, s3rver, the
 * SES emulator behind a proxy that can refuse an address (as a sandboxed SES does) and the
 * Secrets Manager stand-in — with a fresh stage folder per `stage()`: what the tests of several
 * reports and of periods share.
 */
import { type Simulator, type SimulatorOptions, startSimulator } from "../../demo/simulator.js";
import { type S3Emulator, startS3Emulator } from "./s3-emulator.js";
import { type SecretsEmulator, startSecretsEmulator } from "./secrets-emulator.js";
import { type SesEmulator, startSesEmulator } from "./ses-emulator.js";
import { type SesRefusingProxy, startSesRefusingProxy } from "./ses-refusing-proxy.js";

export const HARNESS_TOKEN = "live-token";
export const HARNESS_LINK_KEY = "0123456789abcdef".repeat(4);
export const TOKEN_SECRET = "callreport/dev/autocalls-token";

export interface HandlerHarness {
  simulator: Simulator;
  s3: S3Emulator;
  ses: SesEmulator;
  sesProxy: SesRefusingProxy;
  secrets: SecretsEmulator;
  /**
   * Sets the environment of a stage with its own folder (`<label>-<n>`) and returns that prefix;
   * `settings` are the stage's own variables (REPORTS, or MAIL_TO and filters; REPORT_TIMEZONE…).
   */
  stage(label: string, settings?: Record<string, string>): string;
  /** The same for a given prefix: a stage whose settings change over its stored history. */
  stageAt(prefix: string, settings?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startHandlerHarness(options: {
  callsPerDay: number;
  bucket: string;
  /** More of the simulator's options (its `today`, its API timezone). */
  simulator?: Omit<SimulatorOptions, "callsPerDay" | "token">;
}): Promise<HandlerHarness> {
  const savedEnv = { ...process.env };
  const [simulator, s3, ses, secrets] = await Promise.all([
    startSimulator({ ...options.simulator, callsPerDay: options.callsPerDay, token: HARNESS_TOKEN }),
    startS3Emulator(options.bucket),
    startSesEmulator(),
    startSecretsEmulator(),
  ]);
  const sesProxy = await startSesRefusingProxy(ses.endpoint);
  secrets.setSecret(TOKEN_SECRET, HARNESS_TOKEN);
  secrets.setSecret("callreport/dev/link-key", HARNESS_LINK_KEY);
  let stages = 0;
  const stageAt = (prefix: string, settings: Record<string, string> = {}) => {
    process.env = {
      ...savedEnv,
      ...s3.env,
      AWS_ENDPOINT_URL_SES: sesProxy.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      REPORT_BUCKET: s3.bucket,
      REPORT_PREFIX: prefix,
      REPORT_TIMEZONE: "UTC",
      REPORT_ENVIRONMENT: "prod",
      AUTOCALLS_BASE_URL: simulator.baseUrl,
      AUTOCALLS_TOKEN_SECRET_ID: TOKEN_SECRET,
      MAIL_FROM: "reports@example.com",
      LINK_BASE_URL: "https://links.example.com/",
      LINK_SECRET_ID: "callreport/dev/link-key",
      ...settings,
    };
  };
  return {
    simulator,
    s3,
    ses,
    sesProxy,
    secrets,
    stageAt,
    stage(label, settings = {}) {
      const prefix = `${label}-${++stages}`;
      stageAt(prefix, settings);
      return prefix;
    },
    async close() {
      process.env = savedEnv;
      await Promise.all([simulator.close(), s3.close(), sesProxy.close(), ses.close(), secrets.close()]);
    },
  };
}
