import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../obs/logger';
import { ProxyServerError } from '../errors';
import type { ForwardProxy } from './forward-proxy';

/** Reads and parses a JSON config file; syntax errors become ERR_PROXY_CONFIG naming the file. */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProxyServerError('ERR_PROXY_CONFIG', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      field: '(file)',
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProxyServerError('ERR_PROXY_CONFIG', `${file} is not valid JSON: ${(error as Error).message}`, { field: '(file)' });
  }
}

/** Re-reads `file` and hands it to the proxy; a broken file is logged and the old config stays. */
export function reloadFromFile(proxy: ForwardProxy, file: string, logger: Logger): boolean {
  let parsed: unknown;
  try {
    parsed = readConfigFile(file);
  } catch (error) {
    logger.warn({ file }, `proxy: new configuration refused, keeping the old one: ${(error as Error).message}`);
    return false;
  }
  return proxy.reload(parsed).ok;
}

/**
 * Reloads the proxy when `file` changes. Watches the directory, not the file,
 * so editors that save by writing a new file and renaming it are seen too;
 * bursts of events within `debounceMs` make one reload. Returns a stop function.
 */
export function watchConfigFile(proxy: ForwardProxy, file: string, logger: Logger, debounceMs = 150): () => void {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  let last = snapshot(file);
  const watcher = fs.watch(dir, (_event, name) => {
    if (name !== null && name !== base) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      const now = snapshot(file);
      if (now === last) return;
      last = now;
      reloadFromFile(proxy, file, logger);
    }, debounceMs);
  });
  watcher.on('error', (error) => logger.warn({ file }, `proxy: cannot watch the configuration: ${error.message}`));
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

/** The file's content, to skip events that changed nothing (touch, chmod). */
function snapshot(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
