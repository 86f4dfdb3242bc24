/** What one input did to a target, as the child reports it and the parent judges it. */
import { WarcwireError } from '../src/errors';

export type FailureKind = 'signal' | 'hang' | 'rss' | 'exit' | 'untyped' | 'mismatch' | 'unreadable';

export interface Failure {
  kind: FailureKind;
  /** The step running when it happened (e.g. `reader`, `check`, `fetch`). */
  step: string;
  detail: string;
}

/** Messages a child sends over IPC. */
export type ChildMessage =
  | { type: 'step'; index: number; step: string }
  | { type: 'done'; index: number; failure?: Failure; codes: string[]; /** Peak resident memory of the child so far. */ maxRssBytes?: number };

/**
 * The `code` of a typed error, else undefined. Typed means one of warcwire's
 * error classes (a WarcwireError with a string code): a Node or zlib error
 * with a code of its own that leaks through the API is still untyped.
 */
export function errorCode(err: unknown): string | undefined {
  return err instanceof WarcwireError && typeof err.code === 'string' ? err.code : undefined;
}

export function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error ? `${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(err);
}

/**
 * Runs one step: a typed error is an accepted outcome (its code is recorded),
 * anything else that escapes is a failure.
 */
export async function step(name: string, codes: string[], run: () => Promise<void>): Promise<Failure | undefined> {
  try {
    await run();
    codes.push(`${name}:ok`);
    return undefined;
  } catch (err) {
    const code = errorCode(err);
    if (code !== undefined) {
      codes.push(`${name}:${code}`);
      return undefined;
    }
    return { kind: 'untyped', step: name, detail: describe(err) };
  }
}

/**
 * What makes two failures the same finding: kind, step and the first line of
 * the detail without its particulars (numbers, digests, quoted or bracketed text).
 */
export function signature(failure: Failure): string {
  const first = (failure.detail.split('\n')[0] ?? '')
    .replace(/\([^)]*\)|"[^"]*"|'[^']*'/g, '')
    .replace(/[A-Za-z0-9+/=_-]{16,}/g, 'X')
    .replace(/\d+/g, 'N');
  return `${failure.kind}/${failure.step}/${first.slice(0, 100)}`;
}
