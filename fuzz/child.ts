/**
 * A fuzz child: runs a batch of inputs against one target on the backend in
 * WARCWIRE_BACKEND, telling the parent over IPC which input and step it is in
 * (so a crash, hang or memory blow-up is pinned on one input) and how each
 * ended. Usage: child <job.json>.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpBatch } from './http-target';
import { describe, type ChildMessage, type Failure } from './outcome';
import { runReaderInput } from './reader-target';

export interface Job {
  target: 'reader' | 'http';
  inputs: Array<{ index: number; file: string }>;
  /** A directory the child may write scratch files in. */
  scratch: string;
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

async function main(): Promise<void> {
  const job = JSON.parse(readFileSync(process.argv[process.argv.length - 1] as string, 'utf8')) as Job;
  let current = -1;
  let currentStep = 'start';
  const escaped = (err: unknown): void => {
    void send({ type: 'done', index: current, failure: { kind: 'untyped', step: currentStep, detail: `escaped the API (uncaught): ${describe(err)}` }, codes: [] }).then(() => process.exit(3));
  };
  process.on('uncaughtException', escaped);
  process.on('unhandledRejection', escaped);
  const onStep = (name: string): void => {
    currentStep = name;
    void send({ type: 'step', index: current, step: name });
  };
  const http = job.target === 'http' ? await startHttpBatch() : undefined;
  for (const { index, file } of job.inputs) {
    current = index;
    const codes: string[] = [];
    let failure: Failure | undefined;
    if (http) failure = await http.run(index, file, onStep, codes);
    else failure = await runReaderInput(file, join(job.scratch, `in-${index}`), onStep, codes);
    void send({ type: 'done', index, codes, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...(failure ? { failure } : {}) });
  }
  if (http) {
    current = job.inputs[job.inputs.length - 1]?.index ?? -1;
    onStep('finish');
    for (const late of await http.finish()) void send({ type: 'done', index: late.index, failure: late.failure, codes: [] });
  }
  // Messages leave in order: once this one is written, all are; leaked handles must not keep the child alive.
  await send({ type: 'step', index: -1, step: 'exit' });
  process.exit(0);
}

void main();
