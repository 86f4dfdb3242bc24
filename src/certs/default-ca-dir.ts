import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where warcwire keeps its CA when no directory is named: per user, beside
 * other tools' configuration ($XDG_CONFIG_HOME, else ~/.config; %APPDATA% on
 * Windows), so every crawl on the machine reuses the one CA a browser trusts.
 */
export function defaultCaDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = process.platform === 'win32' ? env.APPDATA || join(homedir(), 'AppData', 'Roaming') : env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'warcwire', 'ca');
}
