#!/usr/bin/env node
// Prints the failed tests of vitest JSON reports (scripts/test.sh writes one per pass), so that the
// end of a full run's output says what failed even when CI shows only its last lines.
// Usage: node scripts/failures.mjs <report.json>...
import { existsSync, readFileSync } from "node:fs";
import { relative } from "node:path";

let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    process.stdout.write(`failures: ${file} was not written (the pass did not finish)\n`);
    failed++;
    continue;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  for (const suite of report.testResults ?? []) {
    const where = relative(process.cwd(), suite.name);
    const tests = (suite.assertionResults ?? []).filter((t) => t.status === "failed");
    if (suite.status === "failed" && tests.length === 0) {
      failed++;
      process.stdout.write(`FAILED ${where}: ${firstLines(suite.message)}\n`);
    }
    for (const t of tests) {
      failed++;
      process.stdout.write(`FAILED ${where} > ${t.fullName}\n  ${firstLines((t.failureMessages ?? []).join("\n"))}\n`);
    }
  }
}
if (failed === 0) process.stdout.write("failures: none\n");

function firstLines(text) {
  return String(text ?? "")
    .split("\n")
    .slice(0, 8)
    .join("\n  ");
}
