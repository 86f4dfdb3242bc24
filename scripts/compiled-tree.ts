/**
 * For tools compiled with the library into their own out dir (dist-bench,
 * dist-fuzz): where the repository is, and making the native loader, which
 * looks two levels above the compiled src/backend, find build/ and prebuilds/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the first ancestor of `from` holding package.json, skipping `outDir` itself. */
export function repoRoot(from: string, outDir: string): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) === outDir) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root');
    dir = parent;
  }
  return dir;
}

/** Links `<compiledRoot>/build` and `/prebuilds` to the real ones. */
export function linkNativeBuild(root: string, compiledRoot: string): void {
  if (compiledRoot === root) return;
  for (const name of ['build', 'prebuilds']) {
    const link = path.join(compiledRoot, name);
    const target = path.join(root, name);
    if (fs.existsSync(target) && !fs.existsSync(link)) fs.symlinkSync(target, link);
  }
}
