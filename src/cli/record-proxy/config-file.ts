/**
 * `warcwire record-proxy --config FILE`: a JSON object with the settings that
 * may change while the proxy runs, `auth` and `limits`. Read at start (a bad
 * file stops the start) and again on SIGHUP (a bad file is refused with a log
 * line and the running configuration stays).
 */
import type { Logger } from '../../obs/logger';
import { readConfigFile } from '../../proxy/forward/config-file';
import { RecordingProxyError, type RecordingProxy, type RecordingProxySettings } from '../../record-proxy';

export type RecordProxyConfigFile = Pick<RecordingProxySettings, 'auth' | 'limits'>;

const KEYS = ['auth', 'limits'];

/** The file's settings; their values are checked by the proxy (createRecordingProxy, reload). */
export function readRecordProxyConfig(file: string): RecordProxyConfigFile {
  const parsed = readConfigFile(file);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `${file} must hold a JSON object with "auth" and/or "limits"`, { field: '(file)' });
  }
  for (const key of Object.keys(parsed)) {
    if (!KEYS.includes(key)) {
      throw new RecordingProxyError('ERR_RECORD_PROXY_CONFIG', `unknown setting in ${file} (allowed: ${KEYS.join(', ')}; the other settings are flags)`, { field: key });
    }
  }
  return parsed as RecordProxyConfigFile;
}

/** Applies the file again; false (and a warning naming the problem) when it was refused. */
export function reloadRecordProxyConfig(proxy: RecordingProxy, file: string, logger: Logger): boolean {
  let config: RecordProxyConfigFile;
  try {
    config = readRecordProxyConfig(file);
  } catch (error) {
    logger.warn({ file }, `record-proxy: new configuration refused, keeping the old one: ${(error as Error).message}`);
    return false;
  }
  // A section left out of the file is reset to none (no auth, default limits): the file is the whole configuration.
  const result = proxy.reload({ auth: config.auth, limits: config.limits });
  if (!result.ok) logger.warn({ file }, `record-proxy: new configuration refused, keeping the old one: ${result.error.message}`);
  else logger.info({ file, auth: config.auth !== undefined }, 'record-proxy: configuration reloaded');
  return result.ok;
}
