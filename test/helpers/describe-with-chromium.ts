/** `describe` for suites that drive Chromium: skipped, saying why, only where /usr/bin/chromium is absent (CI installs it). */
import { chromiumMissing } from './chromium';

export function describeWithChromium(name: string, suite: () => void): void {
  const missing = chromiumMissing();
  if (!missing) return describe(name, suite);
  console.warn(`${name}: skipped, ${missing}`);
  describe.skip(name, suite);
}
