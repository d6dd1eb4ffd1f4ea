import { describe, expect, it } from "vitest";

// .ci/run runs the suite a second time on the Lambda's runtime (Node 24) and sets
// EXPECT_NODE_MAJOR=24, so a PATH that silently falls back to the machine's node fails here.
const expectedMajor = process.env.EXPECT_NODE_MAJOR;

describe("the Node.js running the tests", () => {
  it.runIf(expectedMajor !== undefined)(
    `is the major version EXPECT_NODE_MAJOR names (${expectedMajor ?? "unset here"})`,
    () => {
      expect(process.versions.node.split(".")[0]).toBe(expectedMajor);
    },
  );
});
