/**
 * An empty npm project that depends on one packed warcwire tarball, with a package-lock.json
 * generated from the repository's own lockfile: the production dependencies at the versions and
 * integrities `npm ci` installed here, each with its registry tarball URL. `npm ci --offline`
 * in it then needs only those tarballs from npm's cache (looked up by integrity) and no
 * registry metadata, so it works in a cache that a plain `npm ci` of the repository filled.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  dependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** npm's tarball URL for name@version on a registry (scoped names keep the scope in the path). */
function registryTarball(registry: string, name: string, version: string): string {
  const base = name.startsWith('@') ? name.split('/')[1]! : name;
  return `${registry.replace(/\/+$/, '')}/${name}/-/${base}-${version}.tgz`;
}

function sriSha512(file: string): string {
  return `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
}

/**
 * Writes package.json and package-lock.json into `appDir` (which must exist) for an app whose
 * only dependency is `tarball`. `registry` is npm's configured registry, where the repository's
 * lockfile entries (which record no `resolved`) came from.
 */
export function writeSandboxApp(repoRoot: string, appDir: string, tarball: string, registry: string): void {
  const repoPkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as PackageJson;
  const repoLock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as Lockfile;
  const spec = `file:${path.relative(appDir, tarball)}`;
  const name = path.basename(appDir);

  const packages: Record<string, LockEntry> = {
    '': { name, dependencies: { [repoPkg.name]: spec } },
    [`node_modules/${repoPkg.name}`]: {
      version: repoPkg.version,
      resolved: spec,
      integrity: sriSha512(tarball),
      hasInstallScript: repoPkg.scripts?.install !== undefined,
      license: repoPkg.license,
      dependencies: repoPkg.dependencies,
      bin: repoPkg.bin,
      engines: repoPkg.engines,
    },
  };
  for (const [location, entry] of Object.entries(repoLock.packages)) {
    // The root, dev-only trees and links (workspaces) are not part of what a user installs.
    if (location === '' || entry.dev === true || entry.devOptional === true || entry.link === true) continue;
    if (entry.version === undefined || entry.integrity === undefined) {
      throw new Error(`package-lock.json: ${location} has no version or integrity; run \`npm install\` to repair the lockfile`);
    }
    const depName = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    packages[location] = { ...entry, resolved: entry.resolved ?? registryTarball(registry, depName, entry.version) };
  }

  fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ name, private: true, dependencies: { [repoPkg.name]: spec } }, null, 2));
  fs.writeFileSync(
    path.join(appDir, 'package-lock.json'),
    JSON.stringify({ name, lockfileVersion: repoLock.lockfileVersion, requires: true, packages }, null, 2),
  );
}
