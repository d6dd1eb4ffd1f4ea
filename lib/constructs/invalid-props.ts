import type { IConstruct } from "constructs";

/**
 * A construct refused its props. Like aws-cdk's own constructs, each checks what it is given
 * when it is created, so a bad value fails at synth naming the construct, not at deploy.
 */
export class InvalidPropsError extends Error {
  override name = "InvalidPropsError";

  constructor(scope: IConstruct, message: string) {
    super(`${scope.node.path}: ${message}`);
  }
}

/** Refuses a prop that is not a whole number in `[min, max]`. */
export function requireWholeNumber(scope: IConstruct, prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidPropsError(scope, `${prop} is ${value}; it needs a whole number from ${min} to ${max}`);
  }
}
