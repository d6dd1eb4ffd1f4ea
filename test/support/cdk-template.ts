/**
 * The CDK stack synthesized the way `cdk synth` does it (cdk.json's context, feature flags included), and the
 * lookups the template tests share: one resource of a type, the report function, the statements its role holds.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App, type CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import type { IConstruct } from "constructs";
import { expect } from "vitest";
import { CallReportStack, stackNameFor } from "../../lib/callreport-stack.js";
import { resolveStage, type StageConfig } from "../../lib/stage-config.js";

export const CDK_CONTEXT = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../cdk.json", import.meta.url)), "utf8"),
).context;

export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  DependsOn?: string[];
};
export type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown; Effect: string };

export interface Synthesized {
  stage: StageConfig;
  stack: CallReportStack;
  template: Template;
}

/**
 * One app with a stack per named stage (from cdk.json unless `stages` is given). `bundle: false` skips esbuild
 * (CDK's own `aws:cdk:bundling-stacks` context), for tests that read only the template.
 */
export function synthesizeStages(
  names: string[],
  options: { bundle: boolean; stages?: Record<string, unknown> },
): { app: App; stacks: Record<string, Synthesized> } {
  const stages = options.stages ?? CDK_CONTEXT.stages;
  const app = new App({
    context: { ...CDK_CONTEXT, ...(options.bundle ? {} : { "aws:cdk:bundling-stacks": [] }) },
  });
  const built = names.map((name) => {
    const stage = resolveStage(name, stages);
    const env = stage.account === undefined ? undefined : { account: stage.account, region: stage.region };
    return { name, stage, stack: new CallReportStack(app, stackNameFor(name), { stage, ...(env ? { env } : {}) }) };
  });
  // Template.fromStack synthesizes the whole app: every stack must exist before the first call.
  const stacks = Object.fromEntries(
    built.map(({ name, stage, stack }) => [name, { stage, stack, template: Template.fromStack(stack) }]),
  );
  return { app, stacks };
}

/** The one resource of a type (matching `props`); fails the test if there are none or several. */
export function only(template: Template, type: string, props: Record<string, unknown> = {}): [string, Resource] {
  const found = Object.entries(template.findResources(type, props)) as Array<[string, Resource]>;
  expect(found, `exactly one ${type} matching ${JSON.stringify(props)}`).toHaveLength(1);
  return found[0] as [string, Resource];
}

export function logicalId(stack: CallReportStack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The report function (not the bucket auto-delete provider, which is a Lambda too). */
export function reportFunction({ stack, template }: Synthesized): [string, Resource] {
  const id = logicalId(stack, stack.report.function);
  return [id, template.toJSON().Resources[id] as Resource];
}

export function reportBucketId({ stack }: Synthesized): string {
  return logicalId(stack, stack.reports.bucket);
}

/** The link endpoint's function. */
export function linkEndpointFunction({ stack, template }: Synthesized): [string, Resource] {
  const id = logicalId(stack, stack.links.function);
  return [id, template.toJSON().Resources[id] as Resource];
}

/** Every policy attached to a function's role, by logical id. */
function policiesOfRole(template: Template, fn: Resource): Array<[string, Resource]> {
  const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  const policies = Object.entries(template.findResources("AWS::IAM::Policy")) as Array<[string, Resource]>;
  return policies.filter(([, policy]) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
}

function statementsOf(policies: Array<[string, Resource]>): Statement[] {
  return policies.flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Every policy attached to the report function's role, by logical id. */
export function functionPolicies(synthesized: Synthesized): Array<[string, Resource]> {
  return policiesOfRole(synthesized.template, reportFunction(synthesized)[1]);
}

/** Every statement the report function's role holds, across its policies. */
export function functionStatements(synthesized: Synthesized): Statement[] {
  return statementsOf(functionPolicies(synthesized));
}

/** Every statement the link endpoint's role holds, across its policies. */
export function linkEndpointStatements(synthesized: Synthesized): Statement[] {
  return statementsOf(policiesOfRole(synthesized.template, linkEndpointFunction(synthesized)[1]));
}

export function statementFor(statements: Statement[], action: string): Statement {
  const found = statements.filter((statement) => [statement.Action].flat().includes(action));
  expect(found, `one statement allowing ${action}`).toHaveLength(1);
  return found[0] as Statement;
}
