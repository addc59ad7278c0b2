// switchboard sandbox bootstrap: installs the web platform globals a Twenty
// logic function expects, a console that writes into the run's log, a
// `process` with only the run's environment, and the two entry points the
// host calls (`__switchboard_register` and `__switchboard_run`). It runs once
// per runtime, before any user code, then hides `Deno` from user code.

import { core } from "ext:core/mod.js";
import {
  op_sb_complete,
  op_sb_describe_done,
  op_sb_host,
  op_sb_load_failed,
  op_sb_log,
  op_sb_run_vars,
  op_sb_take_invocation,
} from "ext:core/ops";

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

Object.defineProperties(globalThis, {
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

// Host services of the current run (connections). A failed call throws an
// Error whose name is the host's error type.
const hostCall = async (name, input) => {
  const reply = JSON.parse(await op_sb_host(String(name), JSON.stringify(input ?? null)));
  if (reply.error) {
    const error = new Error(reply.error.message);
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
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return base64.btoa(binary);
};
const base64ToBytes = (text) => {
  const binary = base64.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
};
const plainFetch = fetchMod.fetch;
// A request's method, headers and body as a host call carries them, and a
// host call's reply as a Response (text bodies arrive as text).
const requestParts = async (outgoing) => {
  const body = outgoing.body === null ? null : new Uint8Array(await outgoing.arrayBuffer());
  return { method: outgoing.method, headers: [...outgoing.headers], body: body === null ? null : bytesToBase64(body) };
};
const hostReply = (reply) =>
  new response.Response(
    NULL_BODY_STATUS.includes(reply.status) ? null : reply.bodyText ?? base64ToBytes(reply.body),
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
const LOCAL_API_PATHS = ["/rest/", "/graphql"];
const localApiPath = (url) => {
  if (localApiBase === null || !url.startsWith(localApiBase)) return null;
  const path = url.slice(localApiBase.length);
  return LOCAL_API_PATHS.some((prefix) => path.startsWith(prefix)) ? path : null;
};
const localFetch = async (outgoing, path) =>
  hostReply(await hostCall("workspace.request", { path, ...(await requestParts(outgoing)) }));
// The common case (what the twenty-client-sdk clients send): a URL string
// and a text body, sent without building a Request.
const headerPairs = (given) => {
  if (given === undefined || given === null) return [];
  if (given instanceof headers.Headers || Array.isArray(given)) return [...given];
  return Object.entries(given).map(([name, value]) => [name, String(value)]);
};
const quickLocalFetch = async (path, init) =>
  hostReply(await hostCall("workspace.request", {
    method: (init?.method ?? "GET").toUpperCase(),
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
    if (simple && URL.canParse(input)) {
      const path = localApiPath(new URL(input).href);
      if (path !== null) return quickLocalFetch(path, init);
    }
    const outgoing = new request.Request(input, init);
    const path = localApiPath(outgoing.url);
    if (path !== null) return localFetch(outgoing, path);
    return plainFetch(outgoing);
  }
  return plainFetch(input, init);
};
Object.defineProperty(globalThis, "fetch", writable(sandboxFetch));
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
Object.defineProperty(globalThis, "console", writable(sandboxConsole));

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
const unreadRunVars = new Set();
let envChanged = true;
let runVarsRead = false;
// Every run variable holds "" until read.
const markRunVarsUnread = () => {
  for (const name of runVars) {
    processEnv[name] = "";
    unreadRunVars.add(name);
  }
};
const readRunVarsIfUnread = (name) => {
  if (unreadRunVars.size !== 0 && unreadRunVars.has(name)) readRunVars();
};
const readRunVars = () => {
  const values = JSON.parse(op_sb_run_vars());
  if (values === null) return;
  envChanged = true;
  runVarsRead = true;
  runVars.forEach((name, index) => {
    if (unreadRunVars.has(name)) processEnv[name] = values[index];
  });
  unreadRunVars.clear();
};
const envDescriptorError = "'process.env' only accepts a configurable, writable and enumerable data descriptor";
const sandboxEnv = new Proxy(processEnv, {
  get(target, name, receiver) {
    readRunVarsIfUnread(name);
    return Reflect.get(target, name, receiver);
  },
  getOwnPropertyDescriptor(target, name) {
    readRunVarsIfUnread(name);
    return Reflect.getOwnPropertyDescriptor(target, name);
  },
  set(target, name, value) {
    if (typeof name !== "string") return false;
    envChanged = true;
    unreadRunVars.delete(name);
    target[name] = String(value);
    return true;
  },
  defineProperty(target, name, descriptor) {
    if ("get" in descriptor || "set" in descriptor) {
      throw new TypeError("'process.env' does not accept an accessor (getter/setter) descriptor");
    }
    if (typeof name !== "string" || descriptor.writable === false || descriptor.enumerable === false || descriptor.configurable === false) {
      throw new TypeError(envDescriptorError);
    }
    envChanged = true;
    unreadRunVars.delete(name);
    target[name] = String(descriptor.value);
    return true;
  },
  deleteProperty(target, name) {
    envChanged = true;
    unreadRunVars.delete(name);
    return delete target[name];
  },
  preventExtensions() {
    throw new TypeError("'process.env' cannot be frozen, sealed or made non-extensible");
  },
});
const sandboxProcess = {
  env: sandboxEnv,
  platform: "switchboard",
  version: "v22.0.0",
  versions: {},
  argv: [],
  nextTick: (callback, ...args) => queueMicrotask(() => callback(...args)),
  cwd: () => "/",
};
Object.defineProperty(globalThis, "process", writable(sandboxProcess));

// Everything the host registered for this runtime: module namespaces by key.
const entities = new Map();

const describeError = (error) => {
  if (error !== null && typeof error === "object") {
    const errorType = typeof error.name === "string" && error.name
      ? error.name
      : (error.constructor?.name ?? "Error");
    const errorMessage = typeof error.message === "string" ? error.message : String(error);
    // Frames of switchboard's own runner say nothing about the user's code.
    const stack = typeof error.stack === "string"
      ? error.stack.split("\n").filter((line) => !line.includes("ext:switchboard/") && !line.includes("switchboard:run")).join("\n")
      : "";
    return { errorType, errorMessage, stackTrace: stack };
  }
  return { errorType: "UnhandledError", errorMessage: String(error), stackTrace: "" };
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
      config,
    };
  }
  let json;
  try {
    json = JSON.stringify(report);
  } catch (error) {
    json = JSON.stringify({ kind: "unserializable", message: describeError(error).errorMessage });
  }
  op_sb_describe_done(json);
};

const resolveHandler = (namespace, handlerName) => {
  let target = namespace;
  for (const part of handlerName.split(".")) {
    target = target?.[part];
  }
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
const run = async () => {
  const invocation = JSON.parse(op_sb_take_invocation());
  if (Object.hasOwn(invocation, "key")) {
    handlerKey = invocation.key;
    handlerName = invocation.handlerName;
  }
  if (Object.hasOwn(invocation, "context")) context = invocation.context;
  if (Object.hasOwn(invocation, "env")) {
    baseEnv = invocation.env;
    envChanged = true;
  }
  if (Object.hasOwn(invocation, "runVars")) {
    runVars = invocation.runVars;
    envChanged = true;
  }
  if (Object.hasOwn(invocation, "localApi")) {
    localApiBase = typeof invocation.localApi === "string" ? invocation.localApi.replace(/\/+$/, "") : null;
  }
  if (envChanged) {
    unreadRunVars.clear();
    for (const name of Object.keys(processEnv)) {
      if (!Object.hasOwn(baseEnv, name) && !runVars.includes(name)) delete processEnv[name];
    }
    for (const name of Object.keys(baseEnv)) {
      if (processEnv[name] !== baseEnv[name]) processEnv[name] = baseEnv[name];
    }
    markRunVarsUnread();
    envChanged = false;
  }
  let result;
  try {
    const handler = resolveHandler(entities.get(handlerKey), handlerName);
    if (typeof handler !== "function") {
      throw new TypeError(`${handlerName} is not a function in ${handlerKey}`);
    }
    // A copy per run, so a handler that changes it changes only its own.
    // Its members are plain values, so a shallow copy is a whole one.
    result = await handler(invocation.payload, { ...context });
  } catch (error) {
    complete(1, JSON.stringify(describeError(error)));
    return;
  }
  let json;
  try {
    json = result === undefined ? "null" : JSON.stringify(result);
    if (json === undefined) json = "null";
  } catch (error) {
    const detail = describeError(error);
    complete(1, JSON.stringify({
      errorType: "SerializationError",
      errorMessage: `The handler's result is not JSON-serialisable: ${detail.errorMessage}`,
      stackTrace: "",
    }));
    return;
  }
  complete(0, json);
};

const loadFailed = (error) => {
  op_sb_load_failed(JSON.stringify(describeError(error)));
};

Object.defineProperties(globalThis, {
  __switchboard_register: readOnly(register),
  __switchboard_load_failed: readOnly(loadFailed),
  __switchboard_describe: readOnly(describe),
  __switchboard_run: readOnly(run),
  __switchboard_host: readOnly(hostCall),
});

delete globalThis.Deno;
delete globalThis.__bootstrap;
