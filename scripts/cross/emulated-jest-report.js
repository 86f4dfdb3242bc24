#!/usr/bin/env node
'use strict';
/**
 * Reads a jest --json result from a run under qemu-user and sorts failures into three kinds:
 *  - "cannot run under emulation": the test spawned an arm64 binary and the host kernel refused
 *    it (no binfmt_misc registration: "Exec format error", or the shell's fallback reading the
 *    ELF as a script) — prebuild-linux-arm64.sh's wrapper should leave none;
 *  - "timed out": a test's own fixed time limit (jest's, or a child-process timer that SIGKILLs)
 *    ran out; emulation is about ten times slower than the host, so these are listed apart;
 *  - everything else: real failures.
 * Prints a summary and every failure; exits 1 when there is a real failure or nothing passed.
 * Usage: node emulated-jest-report.js <jest-result.json>
 */
const fs = require('node:fs');

const EXEC_REFUSED = /Exec format error|cannot execute binary file|: \d+: ELF\S*: not found|Syntax error: word unexpected/;
const TIMED_OUT = /Exceeded timeout of \d+ ms|exited null \(SIGKILL\)/;

const result = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const passed = [];
const refused = [];
const timedOut = [];
const real = [];
for (const file of result.testResults) {
  const name = file.name.replace(process.cwd() + '/', '');
  if (file.assertionResults.length === 0 && file.status === 'failed') {
    real.push(`${name}: ${String(file.message).split('\n').slice(0, 3).join(' ')}`);
  }
  for (const t of file.assertionResults) {
    const label = `${name} › ${t.fullName}`;
    if (t.status === 'passed') passed.push(label);
    else if (t.status === 'failed') {
      const messages = t.failureMessages.join('\n');
      (EXEC_REFUSED.test(messages) ? refused : TIMED_OUT.test(messages) ? timedOut : real).push(label);
    }
  }
}
console.log(
  `emulated jest: ${passed.length} passed, ${real.length} failed, ${timedOut.length} timed out, ` +
    `${refused.length} could not start an arm64 child`,
);
for (const r of timedOut) console.log(`  timed out under emulation: ${r}`);
for (const r of refused) console.log(`  could not start its child: ${r}`);
for (const r of real) console.log(`  FAILED: ${r}`);
process.exit(real.length > 0 || passed.length === 0 ? 1 : 0);
