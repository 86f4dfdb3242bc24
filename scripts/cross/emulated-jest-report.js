#!/usr/bin/env node
'use strict';
/**
 * Reads a jest --json result from a run under qemu-user and sorts failures into two kinds:
 *  - "cannot run under emulation": the test spawned process.execPath (an arm64 ELF) and the
 *    host kernel refused it (no binfmt_misc registration here: "Exec format error", or the
 *    shell's fallback trying to read the ELF as a script);
 *  - everything else: real failures.
 * Prints a summary and every failure of both kinds; exits 1 when there is a real failure or
 * when nothing passed.
 * Usage: node emulated-jest-report.js <jest-result.json>
 */
const fs = require('node:fs');

const EXEC_REFUSED = /Exec format error|cannot execute binary file|: \d+: ELF\S*: not found|Syntax error: word unexpected/;

const result = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const passed = [];
const refused = [];
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
      (EXEC_REFUSED.test(messages) ? refused : real).push(label);
    }
  }
}
console.log(
  `emulated jest: ${passed.length} passed, ${real.length} failed, ` +
    `${refused.length} cannot run under emulation (they spawn an arm64 child the host kernel cannot exec)`,
);
for (const r of refused) console.log(`  not runnable here: ${r}`);
for (const r of real) console.log(`  FAILED: ${r}`);
process.exit(real.length > 0 || passed.length === 0 ? 1 : 0);
