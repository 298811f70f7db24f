// Turns vitest's JSON report into the one plain line CI reads: "N passed, N failed".
// Exits 1 when anything failed, when no test ran, or when the report is missing.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`0 passed, 1 failed`);
  console.error(`No readable vitest report at ${file}: ${error.message}`);
  process.exit(1);
}

const passed = report.numPassedTests ?? 0;
// A test file that failed to load, or whose hooks failed, holds no failed test; count it
// as one failure.
const brokenFiles = (report.testResults ?? []).filter(
  (file) =>
    file.status === 'failed' &&
    !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (failed > 0 || passed === 0 || report.success === false) process.exit(1);
