#!/usr/bin/env node
'use strict';
/**
 * Cross-compiles the addon for win32-x64 with mingw-w64, from binding.gyp itself.
 *
 * node-gyp cannot drive mingw, so gyp is asked for the fully evaluated targets of binding.gyp
 * with OS=win, target_arch=x64 (its `gypd` generator), and this script compiles exactly those
 * sources with those defines, include dirs and cflags. The addon links against an import
 * library made from node.exe's own export table (gendef + dlltool), so N-API, zlib and OpenSSL
 * resolve to the running node.exe as they do on Linux; libstdc++, libgcc and winpthread are
 * linked statically so the .node file needs only system DLLs and node.exe.
 * The addon's POSIX calls (pread, mkostemp, fsync, writev...) map onto Win32 through
 * scripts/cross/win32/posix-compat.h, force-included into the C++ sources, and the headers in
 * scripts/cross/win32/include/.
 *
 * Usage: node scripts/cross/build-win32.js <node.exe> <output .node>
 * Work files: .cache/cross/win32-x64/ (import library, gyp dump, objects).
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const work = path.join(root, '.cache', 'cross', 'win32-x64');
const TRIPLE = 'x86_64-w64-mingw32';
const CC = `${TRIPLE}-gcc-posix`;
const CXX = `${TRIPLE}-g++-posix`;
const ALLOWED_DLLS = new Set(['kernel32.dll', 'msvcrt.dll', 'node.exe', 'advapi32.dll', 'ws2_32.dll', 'bcrypt.dll']);

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
}

/** gendef + dlltool: libnode.dll.a whose imports bind to "node.exe". */
function importLibrary(nodeExe) {
  const lib = path.join(work, 'libnode.dll.a');
  const stamp = path.join(work, 'libnode.stamp');
  const id = `${nodeExe}:${fs.statSync(nodeExe).size}`;
  if (fs.existsSync(lib) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === id) return lib;
  const def = sh('gendef', ['-', nodeExe], { stdio: ['ignore', 'pipe', 'ignore'] });
  // C++-mangled V8 exports ('?'-names) are of no use to a Node-API addon; keep the C ones.
  const cOnly = def
    .split('\n')
    .filter((line) => !/^\s*[?$]/.test(line))
    .join('\n');
  fs.writeFileSync(path.join(work, 'node.def'), cOnly);
  sh(`${TRIPLE}-dlltool`, ['-d', path.join(work, 'node.def'), '-D', 'node.exe', '-l', lib]);
  fs.writeFileSync(stamp, id);
  return lib;
}

/** binding.gyp's targets with every variable, condition and command expansion evaluated. */
function gypTargets() {
  const stage = path.join(work, 'gyp');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(root, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(stage, 'package.json'));
  for (const script of ['fetch-sources.js', 'fetch-zstd.js', 'fetch-libdeflate.js']) {
    fs.copyFileSync(path.join(root, 'scripts', script), path.join(stage, 'scripts', script));
  }
  fs.symlinkSync(path.join(root, 'deps'), path.join(stage, 'deps'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));
  fs.symlinkSync(path.join(root, 'native'), path.join(stage, 'native'));
  // node-gyp's addon.gypi gives addons their type; this is the one default we need from it.
  fs.writeFileSync(path.join(stage, 'cross.gypi'), "{'target_defaults': {'type': 'loadable_module'}}\n");
  const npmCli = fs.realpathSync(sh('sh', ['-c', 'command -v npm']).trim());
  const gypMain = path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'gyp', 'gyp_main.py');
  sh('python3', [gypMain, 'binding.gyp', '-f', 'gypd', '-I', 'cross.gypi', '-DOS=win', '-Dtarget_arch=x64', '--depth=.'], {
    cwd: stage,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const json = sh('python3', ['-c', 'import ast, json, sys; print(json.dumps(ast.literal_eval(open(sys.argv[1]).read())))', 'binding.gypd'], {
    cwd: stage,
  });
  const targets = JSON.parse(json).targets.map((t) => {
    const cfg = t.configurations[t.default_configuration] || {};
    const abs = (p) => path.resolve(stage, p);
    return {
      name: t.target_name,
      type: t.type,
      sources: (t.sources || []).map(abs),
      defines: cfg.defines || [],
      includeDirs: (cfg.include_dirs || []).map(abs),
      cflags: cfg.cflags || [],
      cflagsC: cfg.cflags_c || [],
      cflagsCC: cfg.cflags_cc || [],
      dependencies: (t.dependencies || []).map((d) => d.replace(/^.*:/, '').replace(/#.*$/, '')),
    };
  });
  return targets;
}

/** Runs compile jobs two at a time (the machine has two cores), niced. */
async function runJobs(jobs) {
  let next = 0;
  let failed = null;
  async function worker() {
    while (next < jobs.length && !failed) {
      const job = jobs[next++];
      await new Promise((resolve) => {
        const child = spawn('nice', ['-n', '10', job.cmd, ...job.args], { stdio: ['ignore', 'inherit', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('close', (code) => {
          if (code !== 0) failed = new Error(`${path.basename(job.source)}: ${job.cmd} exited ${code}\n${err}`);
          else if (err.trim()) process.stderr.write(err);
          resolve();
        });
      });
    }
  }
  await Promise.all([worker(), worker()]);
  if (failed) throw failed;
}

// Flags that mean nothing (or warn) on a PE target.
const DROP = new Set(['-fPIC', '-fvisibility=hidden']);

async function compileTarget(target, objDir) {
  fs.mkdirSync(objDir, { recursive: true });
  const common = [
    ...target.defines.map((d) => `-D${d}`),
    `-DNODE_GYP_MODULE_NAME=${target.name}`,
    '-DBUILDING_NODE_EXTENSION',
    '-D_FILE_OFFSET_BITS=64',
    '-D_WIN32_WINNT=0x0A00',
    ...target.includeDirs.map((d) => `-I${d}`),
    '-I/usr/include/node',
  ];
  const jobs = target.sources.map((source, i) => {
    const obj = path.join(objDir, `${i}-${path.basename(source)}.o`);
    const flags = target.cflags.filter((f) => !DROP.has(f));
    let cmd;
    let args;
    if (/\.(cc|cpp|cxx)$/.test(source)) {
      cmd = CXX;
      args = [
        ...flags,
        ...target.cflagsCC.filter((f) => !DROP.has(f)),
        '-include',
        path.join(__dirname, 'win32', 'posix-compat.h'),
        // POSIX headers the Windows runtime lacks (sys/uio.h).
        `-I${path.join(__dirname, 'win32', 'include')}`,
      ];
    } else if (/\.S$/.test(source)) {
      cmd = CC;
      args = [...flags];
    } else {
      cmd = CC;
      args = [...flags, ...target.cflagsC];
    }
    return { source, obj, cmd, args: [...args, ...common, '-c', source, '-o', obj] };
  });
  await runJobs(jobs);
  return jobs.map((j) => j.obj);
}

function checkImports(file) {
  const dump = sh(`${TRIPLE}-objdump`, ['-p', file]);
  const dlls = [...dump.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]);
  const bad = dlls.filter((d) => !ALLOWED_DLLS.has(d.toLowerCase()));
  if (bad.length) throw new Error(`${file} imports ${bad.join(', ')}; only system DLLs and node.exe are allowed`);
  if (!/napi_register_module_v1/.test(dump)) throw new Error(`${file} exports no napi_register_module_v1`);
  return dlls;
}

async function main() {
  const [nodeExe, output] = process.argv.slice(2).map((p) => p && path.resolve(p));
  if (!nodeExe || !output) throw new Error('usage: build-win32.js <node.exe> <output .node>');
  fs.mkdirSync(work, { recursive: true });
  for (const script of ['fetch-zstd.js', 'fetch-libdeflate.js']) {
    sh(process.execPath, [path.join(root, 'scripts', script)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const nodeLib = importLibrary(nodeExe);
  const targets = gypTargets();
  const objRoot = path.join(work, 'obj');
  fs.rmSync(objRoot, { recursive: true, force: true });
  const archives = new Map();
  const order = [...targets].sort((a, b) => a.dependencies.length - b.dependencies.length);
  for (const t of order) {
    process.stderr.write(`build-win32: ${t.name} (${t.type}, ${t.sources.length} sources)\n`);
    const objs = await compileTarget(t, path.join(objRoot, t.name));
    if (t.type === 'static_library') {
      const lib = path.join(objRoot, `lib${t.name}.a`);
      sh(`${TRIPLE}-ar`, ['rcs', lib, ...objs]);
      archives.set(t.name, lib);
    } else if (t.type === 'loadable_module') {
      const deps = t.dependencies.map((d) => archives.get(d)).filter(Boolean);
      fs.mkdirSync(path.dirname(output), { recursive: true });
      const tmp = `${output}.tmp`;
      // -static: libstdc++, libgcc and winpthread inside the .node; -s: stripped.
      sh(CXX, ['-shared', '-static', '-s', '-o', tmp, ...objs, ...deps, nodeLib], { stdio: ['ignore', 'inherit', 'inherit'] });
      const dlls = checkImports(tmp);
      fs.renameSync(tmp, output);
      process.stderr.write(`build-win32: ${path.relative(root, output)} (${fs.statSync(output).size} bytes) imports ${dlls.join(', ')}\n`);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`build-win32: FAILED: ${err.message}\n`);
  process.exit(1);
});
