// node:os, written for switchboard: the sandbox's view of a machine, which
// tells app code nothing about the host it runs on.
"use strict";

const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
const errno = { E2BIG: 7, EACCES: 13, EADDRINUSE: 98, EAGAIN: 11, EBADF: 9, ECONNREFUSED: 111, ECONNRESET: 104, EEXIST: 17, EINVAL: 22, ENOENT: 2, ENOTDIR: 20, EPERM: 1, EPIPE: 32, ETIMEDOUT: 110 };
const priority = { PRIORITY_LOW: 19, PRIORITY_BELOW_NORMAL: 10, PRIORITY_NORMAL: 0, PRIORITY_ABOVE_NORMAL: -7, PRIORITY_HIGH: -14, PRIORITY_HIGHEST: -20 };

module.exports = {
  EOL: "\n",
  devNull: "/dev/null",
  constants: { signals, errno, priority, dlopen: {}, UV_UDP_REUSEADDR: 4 },
  arch: () => "x64",
  machine: () => "x86_64",
  platform: () => "linux",
  type: () => "Linux",
  release: () => "6.0.0-switchboard",
  version: () => "#1 SMP switchboard",
  hostname: () => "switchboard",
  homedir: () => "/",
  tmpdir: () => "/tmp",
  endianness: () => "LE",
  uptime: () => Math.floor(performance.now() / 1000),
  loadavg: () => [0, 0, 0],
  totalmem: () => 0,
  freemem: () => 0,
  availableParallelism: () => 1,
  cpus: () => [],
  networkInterfaces: () => ({}),
  userInfo: () => ({ uid: -1, gid: -1, username: "app", homedir: "/", shell: null }),
  getPriority: () => 0,
  setPriority: () => {
    const error = new Error("os.setPriority is not available in the switchboard sandbox: app code cannot change process priorities");
    error.code = "ERR_SANDBOX_UNAVAILABLE";
    throw error;
  },
};
