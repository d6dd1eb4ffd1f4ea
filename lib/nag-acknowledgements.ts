import { Stack, Validations } from "aws-cdk-lib";
import { flattenCfnReference } from "cdk-nag/lib/utils/flatten-cfn-reference.js";
import type { IConstruct } from "constructs";

/**
 * Acknowledges AwsSolutions-IAM5 for one wildcard resource on one construct (and what it contains) — not the rule.
 * The finding id is rendered the way cdk-nag renders it (logical ids, `<AWS::Region>` or a literal region), so
 * the acknowledgement follows renames and env-specific stacks instead of hard-coding a string that silently stops matching.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const rendered = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${rendered}]`, reason });
}
