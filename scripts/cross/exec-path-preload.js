'use strict';
// Loaded with NODE_OPTIONS=--require under qemu-user. The emulated node's process.execPath is
// an arm64 ELF that the host kernel cannot exec (no binfmt_misc registration on this machine),
// so a test spawning process.execPath would fail. Pointing execPath at a wrapper script that
// execs qemu with that same binary does in user space what binfmt_misc would do in the kernel;
// children inherit NODE_OPTIONS, so their children are handled the same way.
if (process.env.WARCWIRE_EMULATED_NODE) process.execPath = process.env.WARCWIRE_EMULATED_NODE;
