import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { CallReportStack, stackNameFor } from "../lib/callreport-stack.js";
import { resolveStage, StageConfigError } from "../lib/stage-config.js";

const app = new App();

let stage: ReturnType<typeof resolveStage>;
try {
  stage = resolveStage(app.node.tryGetContext("stage"), app.node.tryGetContext("stages"));
} catch (error) {
  if (!(error instanceof StageConfigError)) throw error;
  // A config mistake is the user's to fix: print the message, not a stack trace.
  console.error(error.message);
  process.exit(1);
}

new CallReportStack(app, stackNameFor(stage.name), {
  stage,
  description: `Daily Autocalls call report (${stage.name})`,
  // Without account/region the stack is environment-agnostic: it deploys wherever the CLI credentials point.
  ...(stage.account !== undefined || stage.region !== undefined
    ? { env: { account: stage.account, region: stage.region } }
    : {}),
});

// Security review as part of synth: unacknowledged AwsSolutions findings fail `cdk synth`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
