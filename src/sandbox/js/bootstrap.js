// switchboard sandbox bootstrap: installs the web platform globals a Twenty
// logic function expects, a console that writes into the run's log, a
// `process` with only the run's environment, and the two entry points the
// host calls (`__switchboard_register` and `__switchboard_run`). It runs once
// per runtime, before any user code, then hides `Deno` from user code.
//
// Warm runtimes keep an app's module state from run to run, so whatever a
// run replaces (`JSON.parse`, `Array.prototype.map`, `globalThis.fetch`)
// the next run sees. The host's own plumbing (how the payload, context and
// tokens arrive, `process.env`, host calls) therefore uses only the
// intrinsics captured here before any user code ran (deno's primordials),
// never a global or prototype method looked up at run time.

import { core, primordials } from "ext:core/mod.js";
import {
  op_sb_complete,
  op_sb_describe_done,
  op_sb_host,
  op_sb_load_failed,
  op_sb_log,
  op_sb_run_vars,
  op_sb_take_invocation,
} from "ext:core/ops";
import { createRequire, internals as commonjsInternals, requireBuiltin } from "ext:switchboard/commonjs.js";

const {
  ArrayIsArray,
  ArrayPrototypeFilter,
  ArrayPrototypeForEach,
  ArrayPrototypeIncludes,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  ArrayPrototypeSome,
  Error: IntrinsicError,
  JSONParse,
  MathFloor,
  BigInt: IntrinsicBigInt,
  ObjectFreeze,
  JSONStringify,
  ObjectDefineProperties,
  ObjectDefineProperty,
  ObjectEntries,
  ObjectHasOwn,
  ObjectKeys,
  ReflectApply,
  ReflectDeleteProperty,
  ReflectGet,
  ReflectGetOwnPropertyDescriptor,
  SafeMap,
  SafeSet,
  SetPrototypeAdd,
  SetPrototypeClear,
  SetPrototypeDelete,
  SetPrototypeHas,
  SetPrototypeGetSize,
  String: IntrinsicString,
  StringFromCharCode,
  StringPrototypeIncludes,
  StringPrototypeReplace,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeStartsWith,
  StringPrototypeToUpperCase,
  TypeError: IntrinsicTypeError,
  Uint8Array: IntrinsicUint8Array,
  TypedArrayPrototypeSubarray,
  TypedArrayPrototypeGetLength,
  StringPrototypeCharCodeAt,
} = primordials;

const webidl = core.loadExtScript("ext:deno_webidl/00_webidl.js");
const url = core.loadExtScript("ext:deno_web/00_url.js");
const domException = core.loadExtScript("ext:deno_web/01_dom_exception.js");
const event = core.loadExtScript("ext:deno_web/02_event.js");
const structuredCloneMod = core.loadExtScript("ext:deno_web/02_structured_clone.js");
const timers = core.loadExtScript("ext:deno_web/02_timers.js");
const abortSignal = core.loadExtScript("ext:deno_web/03_abort_signal.js");
const base64 = core.loadExtScript("ext:deno_web/05_base64.js");
const streams = core.loadExtScript("ext:deno_web/06_streams.js");
const encoding = core.loadExtScript("ext:deno_web/08_text_encoding.js");
const file = core.loadExtScript("ext:deno_web/09_file.js");
const performanceMod = core.loadExtScript("ext:deno_web/15_performance.js");
const consoleMod = core.loadExtScript("ext:deno_web/01_console.js");
const cryptoMod = core.loadExtScript("ext:deno_crypto/00_crypto.js");
const headers = core.loadExtScript("ext:deno_fetch/20_headers.js");
const formData = core.loadExtScript("ext:deno_fetch/21_formdata.js");
const request = core.loadExtScript("ext:deno_fetch/23_request.js");
const response = core.loadExtScript("ext:deno_fetch/23_response.js");
const fetchMod = core.loadExtScript("ext:deno_fetch/26_fetch.js");

const writable = (value) => ({ value, writable: true, enumerable: false, configurable: true });
const readOnly = (value) => ({ value, writable: false, enumerable: false, configurable: false });

ObjectDefineProperties(globalThis, {
  URL: writable(url.URL),
  URLSearchParams: writable(url.URLSearchParams),
  DOMException: writable(domException.DOMException),
  Event: writable(event.Event),
  EventTarget: writable(event.EventTarget),
  CustomEvent: writable(event.CustomEvent),
  ErrorEvent: writable(event.ErrorEvent),
  structuredClone: writable(structuredCloneMod.structuredClone),
  setTimeout: writable(timers.setTimeout),
  setInterval: writable(timers.setInterval),
  clearTimeout: writable(timers.clearTimeout),
  clearInterval: writable(timers.clearInterval),
  AbortController: writable(abortSignal.AbortController),
  AbortSignal: writable(abortSignal.AbortSignal),
  atob: writable(base64.atob),
  btoa: writable(base64.btoa),
  ReadableStream: writable(streams.ReadableStream),
  WritableStream: writable(streams.WritableStream),
  TransformStream: writable(streams.TransformStream),
  TextEncoder: writable(encoding.TextEncoder),
  TextDecoder: writable(encoding.TextDecoder),
  Blob: writable(file.Blob),
  File: writable(file.File),
  performance: writable(performanceMod.performance),
  crypto: writable(cryptoMod.crypto),
  Crypto: writable(cryptoMod.Crypto),
  CryptoKey: writable(cryptoMod.CryptoKey),
  SubtleCrypto: writable(cryptoMod.SubtleCrypto),
  Headers: writable(headers.Headers),
  FormData: writable(formData.FormData),
  Request: writable(request.Request),
  Response: writable(response.Response),
  fetch: writable(fetchMod.fetch),
});

// `await` and promise chaining read `Promise.prototype.then`, its
// `constructor` and `Promise[Symbol.species]`; a run that replaced them
// could step into the plumbing below (and the next run's), so they stay as
// the engine made them.
for (const [target, key] of [
  [Promise.prototype, "then"],
  [Promise.prototype, "constructor"],
  [Promise, Symbol.species],
]) {
  const descriptor = ReflectGetOwnPropertyDescriptor(target, key);
  if (ObjectHasOwn(descriptor, "value")) descriptor.writable = false;
  descriptor.configurable = false;
  ObjectDefineProperty(target, key, descriptor);
}

// WebCrypto's heavy work (key derivation, key generation, signing, ...)
// runs on a blocking thread that a run's termination cannot reach, so it
// is bounded here: PBKDF2 iterations and RSA key sizes are capped, and a
// runtime does one such operation at a time, in the order asked. Work a
// run leaves queued when it is stopped dies with its runtime, so what
// outlives a run is at most the one operation in flight.
const MAX_PBKDF2_ITERATIONS = 1_000_000;
const MAX_RSA_MODULUS_BITS = 4096;
const RSA_ALGORITHMS = ["RSASSA-PKCS1-V1_5", "RSA-PSS", "RSA-OAEP"];
const cryptoLimitError = (message) => new domException.DOMException(message, "NotSupportedError");
// An algorithm object read once, so a getter cannot pass the check with
// one value and hand the operation another.
const checkedAlgorithm = (algorithm) => {
  if (algorithm === null || typeof algorithm !== "object") return algorithm;
  const name = algorithm.name;
  const upper = typeof name === "string" ? StringPrototypeToUpperCase(name) : "";
  if (upper === "PBKDF2") {
    const iterations = algorithm.iterations;
    if (typeof iterations === "number" && iterations > MAX_PBKDF2_ITERATIONS) {
      throw cryptoLimitError(`PBKDF2 iterations are limited to ${MAX_PBKDF2_ITERATIONS} in the switchboard sandbox (got ${iterations})`);
    }
    return { name, hash: algorithm.hash, salt: algorithm.salt, iterations };
  }
  if (ArrayPrototypeIncludes(RSA_ALGORITHMS, upper) && algorithm.modulusLength !== undefined) {
    const modulusLength = algorithm.modulusLength;
    if (typeof modulusLength === "number" && modulusLength > MAX_RSA_MODULUS_BITS) {
      throw cryptoLimitError(`RSA keys are limited to ${MAX_RSA_MODULUS_BITS} bits in the switchboard sandbox (got ${modulusLength})`);
    }
    return { name, modulusLength, publicExponent: algorithm.publicExponent, hash: algorithm.hash };
  }
  return algorithm;
};
let cryptoTurn = null;
const inTurn = async (work) => {
  const before = cryptoTurn;
  const mine = (async () => {
    if (before !== null) {
      try {
        await before;
      } catch {
        // the earlier operation's failure is its caller's
      }
    }
    return await work();
  })();
  cryptoTurn = mine;
  try {
    return await mine;
  } finally {
    if (cryptoTurn === mine) cryptoTurn = null;
  }
};
const subtlePrototype = cryptoMod.SubtleCrypto.prototype;
const checkedArgument = { deriveBits: 0, deriveKey: 0, generateKey: 0 };
for (const method of [
  "digest", "encrypt", "decrypt", "sign", "verify", "deriveBits", "deriveKey",
  "generateKey", "importKey", "exportKey", "wrapKey", "unwrapKey",
]) {
  const original = subtlePrototype[method];
  if (typeof original !== "function") continue;
  const checked = ObjectHasOwn(checkedArgument, method);
  const wrapper = {
    async [method](...args) {
      if (checked) args[0] = checkedAlgorithm(args[0]);
      return await inTurn(() => ReflectApply(original, this, args));
    },
  }[method];
  ObjectDefineProperty(wrapper, "length", { value: original.length, configurable: true });
  ObjectDefineProperty(subtlePrototype, method, { value: wrapper, writable: true, enumerable: true, configurable: true });
}

// Host services of the current run (connections). A failed call throws an
// Error whose name is the host's error type.
const hostCall = async (name, input) => {
  const reply = JSONParse(await op_sb_host(IntrinsicString(name), JSONStringify(input ?? null)));
  if (ObjectHasOwn(reply, "error")) {
    const error = new IntrinsicError(reply.error.message);
    error.name = reply.error.type;
    throw error;
  }
  return reply.ok;
};

// `fetch(url, { connection })`: the request is sent by the host, which adds
// the connection's token, so the token never enters the sandbox. Bodies
// cross as base64.
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
const bytesToBase64 = (bytes) => {
  let binary = "";
  const length = TypedArrayPrototypeGetLength(bytes);
  for (let index = 0; index < length; index += 0x8000) {
    binary += ReflectApply(StringFromCharCode, null, TypedArrayPrototypeSubarray(bytes, index, index + 0x8000));
  }
  return base64.btoa(binary);
};
const base64ToBytes = (text) => {
  const binary = base64.atob(text);
  const bytes = new IntrinsicUint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = StringPrototypeCharCodeAt(binary, index);
  return bytes;
};
// A Headers' entries as a plain array, without its (replaceable) methods.
const HeadersPrototypeForEach = primordials.uncurryThis(headers.Headers.prototype.forEach);
const pairsOf = (list) => {
  const pairs = [];
  HeadersPrototypeForEach(list, (value, name) => ArrayPrototypePush(pairs, [name, value]));
  return pairs;
};
const plainFetch = fetchMod.fetch;
// A request's method, headers and body as a host call carries them, and a
// host call's reply as a Response (text bodies arrive as text).
const requestParts = async (outgoing) => {
  const body = outgoing.body === null ? null : new IntrinsicUint8Array(await outgoing.arrayBuffer());
  return { method: outgoing.method, headers: pairsOf(outgoing.headers), body: body === null ? null : bytesToBase64(body) };
};
const hostReply = (reply) =>
  new response.Response(
    ArrayPrototypeIncludes(NULL_BODY_STATUS, reply.status) ? null : reply.bodyText ?? base64ToBytes(reply.body),
    { status: reply.status, statusText: reply.statusText, headers: reply.headers },
  );
const connectedFetch = async (input, init) => {
  const { connection, ...rest } = init;
  const connectionId = typeof connection === "object" ? connection?.id : connection;
  if (typeof connectionId !== "string" || connectionId === "") {
    throw new TypeError("fetch: `connection` must be a connection id or an AppConnection object");
  }
  const outgoing = new request.Request(input, rest);
  return hostReply(await hostCall("connections.fetch", { connectionId, url: outgoing.url, ...(await requestParts(outgoing)) }));
};
// Requests to the embedded workspace's API (`/rest/` and `/graphql` under
// the run's TWENTY_API_URL, when the gateway serves it) are answered by the
// host in-process: same router, same checks, no network hop.
let localApiBase = null;
const BILLING_PATH = "/app/billing/";
const LOCAL_API_PATHS = ["/rest/", "/graphql", BILLING_PATH];
const localApiPath = (url) => {
  if (localApiBase === null || !StringPrototypeStartsWith(url, localApiBase)) return null;
  const path = StringPrototypeSlice(url, localApiBase.length);
  return ArrayPrototypeSome(LOCAL_API_PATHS, (prefix) => StringPrototypeStartsWith(path, prefix)) ? path : null;
};
// twenty-sdk/billing's calls: switchboard bills nothing. A charge is checked
// and written to the run's logs (so it is recorded with the run), and
// credits are always available.
const billingReply = (status, body) =>
  new response.Response(JSONStringify(body), { status, headers: [["content-type", "application/json"]] });
const billing = (method, path, text) => {
  if (path === BILLING_PATH + "credits" && method === "GET") return billingReply(200, { hasAvailableCredits: true });
  if (path !== BILLING_PATH + "charge" || method !== "POST") return billingReply(404, { message: `no billing endpoint ${method} ${path}` });
  let charge;
  try {
    charge = JSONParse(text ?? "");
  } catch {
    return billingReply(400, { message: "the charge is not JSON" });
  }
  const micro = charge?.creditsUsedMicro;
  const quantity = charge?.quantity ?? 1;
  if (typeof micro !== "number" || !(micro >= 0) || typeof quantity !== "number" || !(quantity >= 0)) {
    return billingReply(400, { message: "creditsUsedMicro and quantity must be numbers of 0 or more" });
  }
  const what = IntrinsicString(charge.operation ?? charge.operationType ?? "unnamed operation");
  op_sb_log(LEVEL.info, `chargeCredits: ${micro} micro-credits x ${quantity} for ${what} (recorded by switchboard, which charges nothing)`);
  return billingReply(200, {});
};
const localFetch = async (outgoing, path) => {
  if (StringPrototypeStartsWith(path, BILLING_PATH)) return billing(outgoing.method, path, await outgoing.text());
  return hostReply(await hostCall("workspace.request", { path, ...(await requestParts(outgoing)) }));
};
// The common case (what the twenty-client-sdk clients send): a URL string
// and a text body, sent without building a Request.
const headerPairs = (given) => {
  if (given === undefined || given === null) return [];
  if (given instanceof headers.Headers) return pairsOf(given);
  const pairs = [];
  if (ArrayIsArray(given)) {
    ArrayPrototypeForEach(given, (pair) => ArrayPrototypePush(pairs, [IntrinsicString(pair[0]), IntrinsicString(pair[1])]));
  } else {
    ArrayPrototypeForEach(ObjectEntries(given), (entry) => ArrayPrototypePush(pairs, [entry[0], IntrinsicString(entry[1])]));
  }
  return pairs;
};
const quickLocalFetch = async (path, init) =>
  StringPrototypeStartsWith(path, BILLING_PATH) ? billing(StringPrototypeToUpperCase(IntrinsicString(init?.method ?? "GET")), path, init?.body) :
  hostReply(await hostCall("workspace.request", {
    method: StringPrototypeToUpperCase(IntrinsicString(init?.method ?? "GET")),
    path,
    headers: headerPairs(init?.headers),
    bodyText: init?.body ?? null,
  }));
const sandboxFetch = function fetch(input, init) {
  if (init !== null && typeof init === "object" && init.connection !== undefined && init.connection !== null) {
    return connectedFetch(input, init);
  }
  if (localApiBase !== null) {
    const simple = typeof input === "string" && (init === undefined || init === null ||
      (init.signal === undefined && (init.body === undefined || init.body === null || typeof init.body === "string")));
    if (simple && url.URL.canParse(input)) {
      const path = localApiPath(new url.URL(input).href);
      if (path !== null) return quickLocalFetch(path, init);
    }
    const outgoing = new request.Request(input, init);
    const path = localApiPath(outgoing.url);
    if (path !== null) return localFetch(outgoing, path);
    return plainFetch(outgoing);
  }
  return plainFetch(input, init);
};
ObjectDefineProperty(globalThis, "fetch", writable(sandboxFetch));
webidl.configureInterface?.(globalThis.URL);
event.saveGlobalThisReference?.(globalThis);
event.setEventTargetData?.(globalThis);

// Log levels understood by op_sb_log: 0 = stdout-like (INFO), 1 = stderr-like
// (ERROR), 2 = WARN, 3 = DEBUG. Node, which Twenty's local driver runs,
// writes log/info/debug to stdout and warn/error/trace to stderr.
const LEVEL = { info: 0, error: 1, warn: 2, debug: 3 };
const emit = (level) => (...args) => {
  op_sb_log(level, consoleMod.inspectArgs(args, { colors: false }));
};
const counts = new Map();
const timersByLabel = new Map();
const sandboxConsole = {
  log: emit(LEVEL.info),
  info: emit(LEVEL.info),
  debug: emit(LEVEL.debug),
  warn: emit(LEVEL.warn),
  error: emit(LEVEL.error),
  trace: (...args) => {
    const err = new Error(consoleMod.inspectArgs(args, { colors: false }));
    err.name = "Trace";
    op_sb_log(LEVEL.error, err.stack ?? String(err));
  },
  dir: (value) => op_sb_log(LEVEL.info, consoleMod.inspect(value, { colors: false })),
  table: emit(LEVEL.info),
  assert: (condition, ...args) => {
    if (!condition) {
      op_sb_log(LEVEL.error, "Assertion failed" + (args.length ? ": " + consoleMod.inspectArgs(args, { colors: false }) : ""));
    }
  },
  count: (label = "default") => {
    const next = (counts.get(label) ?? 0) + 1;
    counts.set(label, next);
    op_sb_log(LEVEL.info, `${label}: ${next}`);
  },
  countReset: (label = "default") => counts.delete(label),
  time: (label = "default") => timersByLabel.set(label, performanceMod.performance.now()),
  timeLog: (label = "default", ...args) => {
    const start = timersByLabel.get(label);
    if (start !== undefined) {
      const extra = args.length ? " " + consoleMod.inspectArgs(args, { colors: false }) : "";
      op_sb_log(LEVEL.info, `${label}: ${(performanceMod.performance.now() - start).toFixed(3)}ms${extra}`);
    }
  },
  timeEnd: (label = "default") => {
    sandboxConsole.timeLog(label);
    timersByLabel.delete(label);
  },
  group: emit(LEVEL.info),
  groupCollapsed: emit(LEVEL.info),
  groupEnd: () => {},
};
ObjectDefineProperty(globalThis, "console", writable(sandboxConsole));

// `process` carries the run's environment and nothing of the host's.
// As in Node, names in it hold plain string values: assignments become
// strings, and accessors, read-only, hidden or permanent names and freezing
// are refused. So the host can reset it between runs with a few plain writes.
//
// A run's own variables (its tokens) are there by name from the start, but
// their values come from the host the first time the run reads any of them:
// until then `unreadRunVars` lists them and they hold "".
// `envChanged` says whether it may differ from how the last run found it,
// so a run that left it alone costs the next one no reset.
const processEnv = {};
// Writes an own data property: a plain assignment would call a setter an
// earlier run defined on Object.prototype for that name.
const defineEnv = (name, value) =>
  ObjectDefineProperty(processEnv, name, { value, writable: true, enumerable: true, configurable: true });
const unreadRunVars = new SafeSet();
let envChanged = true;
let runVarsRead = false;
// Every run variable holds "" until read.
const markRunVarsUnread = () => {
  ArrayPrototypeForEach(runVars, (name) => {
    defineEnv(name, "");
    SetPrototypeAdd(unreadRunVars, name);
  });
};
const readRunVarsIfUnread = (name) => {
  if (SetPrototypeGetSize(unreadRunVars) !== 0 && SetPrototypeHas(unreadRunVars, name)) readRunVars();
};
const readRunVars = () => {
  const values = JSONParse(op_sb_run_vars());
  if (values === null) return;
  envChanged = true;
  runVarsRead = true;
  ArrayPrototypeForEach(runVars, (name, index) => {
    if (SetPrototypeHas(unreadRunVars, name)) defineEnv(name, values[index]);
  });
  SetPrototypeClear(unreadRunVars);
};
const envDescriptorError = "'process.env' only accepts a configurable, writable and enumerable data descriptor";
const sandboxEnv = new Proxy(processEnv, {
  get(target, name, receiver) {
    readRunVarsIfUnread(name);
    return ReflectGet(target, name, receiver);
  },
  getOwnPropertyDescriptor(target, name) {
    readRunVarsIfUnread(name);
    return ReflectGetOwnPropertyDescriptor(target, name);
  },
  set(target, name, value) {
    if (typeof name !== "string") return false;
    envChanged = true;
    SetPrototypeDelete(unreadRunVars, name);
    defineEnv(name, IntrinsicString(value));
    return true;
  },
  defineProperty(target, name, descriptor) {
    if (ObjectHasOwn(descriptor, "get") || ObjectHasOwn(descriptor, "set")) {
      throw new IntrinsicTypeError("'process.env' does not accept an accessor (getter/setter) descriptor");
    }
    if (typeof name !== "string" || descriptor.writable === false || descriptor.enumerable === false || descriptor.configurable === false) {
      throw new IntrinsicTypeError(envDescriptorError);
    }
    envChanged = true;
    SetPrototypeDelete(unreadRunVars, name);
    defineEnv(name, IntrinsicString(descriptor.value));
    return true;
  },
  deleteProperty(target, name) {
    envChanged = true;
    SetPrototypeDelete(unreadRunVars, name);
    return ReflectDeleteProperty(target, name);
  },
  preventExtensions() {
    throw new IntrinsicTypeError("'process.env' cannot be frozen, sealed or made non-extensible");
  },
});
// A run may assign `process` or `process.env` (as in Node) for itself; the
// next run starts with the gateway's own again. Both are permanent
// accessors, so no run can pin its replacement in place.
let currentEnv = sandboxEnv;
// What Node 22 on Linux reports, without anything of the host's: code
// that branches on the platform or version takes Node's path.
const NODE_VERSION = "22.12.0";
const startedAt = performanceMod.performance.now();
const processExit = (code) => {
  throw new IntrinsicError(
    `process.exit(${code === undefined ? "" : code}) is not available in the switchboard sandbox: return from the handler (or throw) instead`,
  );
};
const processWrite = (level) => (chunk) => {
  op_sb_log(level, StringPrototypeReplace(IntrinsicString(chunk), /\n$/, ""));
  return true;
};
const hrtime = (previous) => {
  const now = performanceMod.performance.now();
  let seconds = MathFloor(now / 1000);
  let nanos = MathFloor((now % 1000) * 1e6);
  if (ArrayIsArray(previous)) {
    seconds -= previous[0];
    nanos -= previous[1];
    if (nanos < 0) {
      seconds -= 1;
      nanos += 1e9;
    }
  }
  return [seconds, nanos];
};
hrtime.bigint = () => IntrinsicBigInt(MathFloor(performanceMod.performance.now() * 1e6));
const sandboxProcess = {
  title: "node",
  platform: "linux",
  arch: "x64",
  version: "v" + NODE_VERSION,
  versions: { node: NODE_VERSION },
  release: { name: "node" },
  argv: ["/usr/local/bin/node", "/app/index.js"],
  argv0: "node",
  execArgv: [],
  execPath: "/usr/local/bin/node",
  pid: 1,
  ppid: 0,
  exitCode: undefined,
  nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
  cwd: () => "/",
  umask: () => 0o22,
  uptime: () => (performanceMod.performance.now() - startedAt) / 1000,
  hrtime,
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
  exit: processExit,
  emitWarning: (warning) => op_sb_log(LEVEL.warn, typeof warning === "string" ? "Warning: " + warning : IntrinsicString(warning)),
  on() {
    return this;
  },
  once() {
    return this;
  },
  off() {
    return this;
  },
  emit: () => false,
  stdout: { write: processWrite(LEVEL.info), isTTY: false },
  stderr: { write: processWrite(LEVEL.error), isTTY: false },
};
let currentProcess = sandboxProcess;
// A property app code may assign for the rest of a run but never redefine;
// `run()` puts the gateway's own value back at each start.
const runSlot = (target, name, get, set, enumerable) =>
  ObjectDefineProperty(target, name, { get, set, enumerable, configurable: false });
runSlot(sandboxProcess, "env", () => currentEnv, (value) => (currentEnv = value), true);
runSlot(globalThis, "process", () => currentProcess, (value) => (currentProcess = value), false);
commonjsInternals.process = sandboxProcess;
commonjsInternals.inspect = consoleMod.inspect;

// Node's own globals, as every bundle Twenty runs sees them. `Buffer` and
// `setImmediate` load node:buffer / node:timers the first time they are
// read, so a runtime whose app never uses them never compiles them.
const webSetTimeout = timers.setTimeout;
const webClearTimeout = timers.clearTimeout;
const setImmediate = (callback, ...args) => {
  const timerArguments = [callback, 0];
  for (let index = 0; index < args.length; index++) timerArguments[index + 2] = args[index];
  return ReflectApply(webSetTimeout, undefined, timerArguments);
};
const clearImmediate = (id) => ReflectApply(webClearTimeout, undefined, [id]);
commonjsInternals.setImmediate = setImmediate;
commonjsInternals.clearImmediate = clearImmediate;
const lazyGlobal = (name, load) =>
  ObjectDefineProperty(globalThis, name, {
    get() {
      const value = load();
      ObjectDefineProperty(globalThis, name, writable(value));
      return value;
    },
    set(value) {
      ObjectDefineProperty(globalThis, name, writable(value));
    },
    enumerable: false,
    configurable: true,
  });
ObjectDefineProperties(globalThis, {
  global: writable(globalThis),
  setImmediate: writable(setImmediate),
  clearImmediate: writable(clearImmediate),
});
lazyGlobal("Buffer", () => requireBuiltin("buffer").Buffer);

// Everything the host registered for this runtime: module namespaces by key.
const entities = new SafeMap();

const describeError = (error) => {
  if (error !== null && typeof error === "object") {
    const errorType = typeof error.name === "string" && error.name
      ? error.name
      : (error.constructor?.name ?? "Error");
    const errorMessage = typeof error.message === "string" ? error.message : IntrinsicString(error);
    // Frames of switchboard's own runner say nothing about the user's code.
    const stack = typeof error.stack === "string"
      ? ArrayPrototypeJoin(
        ArrayPrototypeFilter(
          StringPrototypeSplit(error.stack, "\n"),
          (line) => !StringPrototypeIncludes(line, "ext:switchboard/") && !StringPrototypeIncludes(line, "switchboard:run"),
        ),
        "\n",
      )
      : "";
    return { errorType: IntrinsicString(errorType), errorMessage: IntrinsicString(errorMessage), stackTrace: stack };
  }
  return { errorType: "UnhandledError", errorMessage: IntrinsicString(error), stackTrace: "" };
};

const register = (key, namespace) => {
  entities.set(key, namespace);
};

// Reports what an entity file's default export is, for the catalog: the
// ValidationResult that define*() returned, with functions dropped by
// JSON.stringify and the handler's type noted.
const describe = (key) => {
  const namespace = entities.get(key);
  const result = namespace?.default;
  let report;
  if (result === null || typeof result !== "object") {
    report = { kind: "not-validation-result", exportType: typeof result };
  } else {
    const config = result.config ?? null;
    const handlerType = config !== null && typeof config === "object" ? typeof config.handler : "undefined";
    report = {
      kind: "validation-result",
      success: result.success,
      errors: result.errors ?? [],
      warnings: result.warnings ?? [],
      handlerType,
      // A front component's manifest entry names its component function.
      componentName: config !== null && typeof config === "object" && typeof config.component === "function"
        ? config.component.name
        : undefined,
      config,
    };
  }
  let json;
  try {
    json = JSONStringify(report);
  } catch (error) {
    json = JSONStringify({ kind: "unserializable", message: describeError(error).errorMessage });
  }
  op_sb_describe_done(json);
};

const resolveHandler = (namespace, handlerName) => {
  let target = namespace;
  ArrayPrototypeForEach(StringPrototypeSplit(handlerName, "."), (part) => {
    target = target?.[part];
  });
  return target;
};

// Runs one invocation. The host stored it in the op state; the outcome goes
// back through op_sb_complete: kind 0 = result JSON, 1 = thrown error JSON.
// The host leaves out of an invocation the fields that did not change since
// the last one this runtime read (all but the payload): the handler, the
// context, the app's variables, the local API base and the names of the run's own
// variables (tokens). Those go over the app's variables, and whatever a run
// added or changed is undone at the next run (same object, so a reference
// kept from an earlier run sees the new values). The proxy above keeps every
// name a plain string value.
let handlerKey = null;
let handlerName = null;
let context = {};
let baseEnv = {};
let runVars = [];
// Ends a run. Tokens it read go back to "" (unread) first, so code that
// runs before the next run takes its invocation (a module loaded for it, a
// late callback) can neither see nor log them.
const complete = (kind, json) => {
  if (runVarsRead) {
    runVarsRead = false;
    markRunVarsUnread();
  }
  op_sb_complete(kind, json);
};
// The number of the invocation state this runtime holds (0: none yet).
let heldSeq = 0;
// Completion kind of a refused invocation (worker.rs STALE_INVOCATION).
const STALE_INVOCATION = 2;
const run = async () => {
  const invocation = JSONParse(op_sb_take_invocation());
  // A delta built on another state than this runtime holds: nothing of it
  // is applied, and the host sends it again whole.
  if (ObjectHasOwn(invocation, "base") && invocation.base !== heldSeq) {
    op_sb_complete(STALE_INVOCATION, "");
    return;
  }
  if (ObjectHasOwn(invocation, "key")) {
    handlerKey = invocation.key;
    handlerName = invocation.handlerName;
  }
  if (ObjectHasOwn(invocation, "context")) context = invocation.context;
  if (ObjectHasOwn(invocation, "env")) {
    baseEnv = invocation.env;
    envChanged = true;
  }
  if (ObjectHasOwn(invocation, "runVars")) {
    runVars = invocation.runVars;
    envChanged = true;
  }
  if (ObjectHasOwn(invocation, "localApi")) {
    localApiBase = typeof invocation.localApi === "string" ? StringPrototypeReplace(invocation.localApi, /\/+$/, "") : null;
  }
  // Applied whole: this runtime now holds the state the invocation made.
  heldSeq = invocation.seq;
  // What an earlier run assigned to `process` or `process.env` was its own.
  currentProcess = sandboxProcess;
  currentEnv = sandboxEnv;
  if (envChanged) {
    SetPrototypeClear(unreadRunVars);
    ArrayPrototypeForEach(ObjectKeys(processEnv), (name) => {
      if (!ObjectHasOwn(baseEnv, name) && !ArrayPrototypeIncludes(runVars, name)) ReflectDeleteProperty(processEnv, name);
    });
    ArrayPrototypeForEach(ObjectKeys(baseEnv), (name) => {
      if (processEnv[name] !== baseEnv[name]) defineEnv(name, baseEnv[name]);
    });
    markRunVarsUnread();
    envChanged = false;
  }
  let result;
  try {
    const handler = resolveHandler(entities.get(handlerKey), handlerName);
    if (typeof handler !== "function") {
      throw new IntrinsicTypeError(`${handlerName} is not a function in ${handlerKey}`);
    }
    // A copy per run, so a handler that changes it changes only its own.
    // Its members are plain values, so a shallow copy is a whole one.
    result = await handler(invocation.payload, { ...context });
  } catch (error) {
    complete(1, JSONStringify(describeError(error)));
    return;
  }
  let json;
  try {
    json = result === undefined ? "null" : JSONStringify(result);
    if (json === undefined) json = "null";
  } catch (error) {
    const detail = describeError(error);
    complete(1, JSONStringify({
      errorType: "SerializationError",
      errorMessage: `The handler's result is not JSON-serialisable: ${detail.errorMessage}`,
      stackTrace: "",
    }));
    return;
  }
  complete(0, json);
};

const loadFailed = (error) => {
  op_sb_load_failed(JSONStringify(describeError(error)));
};

ObjectDefineProperties(globalThis, {
  __switchboard_register: readOnly(register),
  __switchboard_load_failed: readOnly(loadFailed),
  __switchboard_describe: readOnly(describe),
  __switchboard_run: readOnly(run),
  __switchboard_host: readOnly(hostCall),
  // The fetch the built-in Twenty clients call: the gateway's own, whatever
  // a run did to `globalThis.fetch`, so run tokens never pass through code
  // an earlier run left behind.
  __switchboard_fetch: readOnly(sandboxFetch),
  // What the ES-module facades of CommonJS files and of Node's built-ins
  // call (commonjs.rs); `node:module` gives app code the same.
  __switchboard_commonjs: readOnly(ObjectFreeze({ createRequire, requireBuiltin })),
});

delete globalThis.Deno;
delete globalThis.__bootstrap;
