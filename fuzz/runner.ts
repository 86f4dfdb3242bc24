/**
 * Runs inputs in child processes and catches what a child cannot report
 * itself: a signal, a hang (per-input watchdog), an RSS blow-up (polled from
 * /proc), an unexpected exit. Inputs go in batches, one child per batch; when
 * a child dies, the rest of its batch goes to a new child, and the first
 * failure of each kind is re-run alone to confirm it does not depend on the
 * inputs before it.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from './child';
import { signature, type ChildMessage, type Failure } from './outcome';

export type BackendName = 'native' | 'js';

export interface ChildCommand {
  /** Arguments for `node` before the job file (the child script, or a loader and the script). */
  args: string[];
  env?: Record<string, string>;
}

export interface RunnerOptions {
  command: ChildCommand;
  backend: BackendName;
  /** An input that takes longer than this is a hang. */
  hangMs: number;
  /** A child whose resident memory passes this is a blow-up. */
  rssLimitBytes: number;
  scratch: string;
}

export interface InputResult {
  index: number;
  codes: string[];
  failure?: Failure;
  /** For a failure: reproduced when run alone (undefined: not re-run). */
  alone?: boolean;
  /** Wall time from the input's first step to its result. */
  ms?: number;
}

interface ChildRun {
  results: Map<number, InputResult>;
  /** The input the child was in when it died. */
  diedAt?: number;
}

/** Resident set size of a process from /proc (Linux); undefined elsewhere. */
function rssOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  } catch {
    return undefined;
  }
}

let jobSerial = 0;

function runChild(target: Job['target'], inputs: Job['inputs'], options: RunnerOptions): Promise<ChildRun> {
  const jobFile = join(options.scratch, `job-${process.pid}-${jobSerial++}.json`);
  writeFileSync(jobFile, JSON.stringify({ target, inputs, scratch: options.scratch } satisfies Job));
  const child = spawn(process.execPath, [...options.command.args, jobFile], {
    env: { ...process.env, ...options.command.env, WARCWIRE_BACKEND: options.backend },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const results = new Map<number, InputResult>();
  let current = inputs[0]?.index ?? -1;
  let currentStep = 'start';
  let killedFor: Failure | undefined;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
  const kill = (failure: Failure): void => {
    killedFor ??= failure;
    child.kill('SIGKILL');
  };
  let watchdog: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => kill({ kind: 'hang', step: currentStep, detail: `no result within ${options.hangMs} ms` }), options.hangMs);
  };
  // The first input also waits for the child to start (and, run from .ts, to compile).
  clearTimeout(watchdog);
  watchdog = setTimeout(() => kill({ kind: 'hang', step: 'start', detail: `no result within ${2 * options.hangMs} ms of starting` }), 2 * options.hangMs);
  const poll = setInterval(() => {
    const rss = child.pid !== undefined ? rssOf(child.pid) : undefined;
    if (rss !== undefined && rss > options.rssLimitBytes) kill({ kind: 'rss', step: currentStep, detail: `resident memory ${Math.round(rss / 2 ** 20)} MiB over the ${Math.round(options.rssLimitBytes / 2 ** 20)} MiB limit` });
  }, 50);
  let started = false;
  let peakReported = false;
  let since = Date.now();
  child.on('message', (raw) => {
    const message = raw as ChildMessage;
    if (message.type === 'step') {
      if (message.index !== current || !started) {
        arm();
        since = Date.now();
      }
      started = true;
      current = message.index;
      currentStep = message.step;
      return;
    }
    const old = results.get(message.index);
    // A spike between two polls (or no /proc to poll) still shows in the child's own peak; blamed once per child, as a peak stays.
    const peak = message.maxRssBytes ?? 0;
    const peakFailure: Failure | undefined =
      peak > options.rssLimitBytes && !peakReported ? { kind: 'rss', step: 'peak', detail: `peak resident memory ${Math.round(peak / 2 ** 20)} MiB over the ${Math.round(options.rssLimitBytes / 2 ** 20)} MiB limit` } : undefined;
    if (peakFailure) peakReported = true;
    const failure = old?.failure ?? message.failure ?? peakFailure;
    results.set(message.index, { index: message.index, codes: [...(old?.codes ?? []), ...message.codes], ms: old?.ms ?? Date.now() - since, ...(failure ? { failure } : {}) });
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      clearInterval(poll);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      const failure: Failure | undefined =
        killedFor ??
        (signal ? { kind: 'signal', step: currentStep, detail: `killed by ${signal}${tail ? `: ${tail}` : ''}` } : code !== 0 ? { kind: 'exit', step: currentStep, detail: `exit status ${code}${tail ? `: ${tail}` : ''}` } : undefined);
      if (!failure || current < 0) return resolve({ results });
      const old = results.get(current);
      results.set(current, { index: current, codes: old?.codes ?? [], failure: old?.failure ?? failure });
      resolve({ results, diedAt: current });
    });
  });
}

/**
 * Every input once, in batches of `batch` per child. With `seen` (signatures
 * already confirmed), the first failure of each new signature is re-run alone.
 */
export async function runInputs(target: Job['target'], inputs: Job['inputs'], batch: number, options: RunnerOptions, seen?: Set<string>): Promise<InputResult[]> {
  const out = new Map<number, InputResult>();
  let queue = inputs.slice();
  while (queue.length > 0) {
    const taken = queue.slice(0, batch);
    const run = await runChild(target, taken, options);
    for (const [index, result] of run.results) out.set(index, result);
    if (run.diedAt !== undefined) {
      const at = taken.findIndex((i) => i.index === run.diedAt);
      queue = [...taken.slice(at + 1), ...queue.slice(taken.length)];
    } else {
      queue = queue.slice(taken.length);
    }
  }
  for (const input of inputs) {
    const result = out.get(input.index) ?? { index: input.index, codes: [], failure: { kind: 'exit', step: 'start', detail: 'the child never reported this input' } };
    out.set(input.index, result);
    if (!result.failure || !seen) continue;
    const key = `${target}/${options.backend}/${signature(result.failure)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const alone = (await runChild(target, [input], options)).results.get(input.index);
    if (alone?.failure) out.set(input.index, { ...result, failure: alone.failure, alone: true });
    else out.set(input.index, { ...result, alone: false });
  }
  return inputs.map((i) => out.get(i.index) as InputResult);
}
