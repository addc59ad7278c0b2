// node:http, written for switchboard: the client side only. request() and
// get() build a ClientRequest whose body is collected and sent, at end(),
// with the sandbox's fetch (so the app's allow-list applies); the response
// is an IncomingMessage, a Readable fed from the fetch Response's body.
// Redirects are not followed, as in Node. fetch negotiates and decodes
// compressed bodies itself, so a response never has a content-encoding. There are no sockets: 'socket'
// gives a stand-in object, and Agent keeps no connections. App code cannot
// listen for connections, so createServer and Server throw.
"use strict";

const EventEmitter = require("events");
const { Buffer } = require("buffer");
const { Readable, Stream } = require("stream");
const { urlToHttpOptions } = require("url");

const defer = (fn, ...args) => process.nextTick(fn, ...args);

const METHODS = [
  "ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK", "M-SEARCH", "MERGE",
  "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST", "PROPFIND", "PROPPATCH",
  "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE", "TRACE", "UNBIND", "UNLINK",
  "UNLOCK", "UNSUBSCRIBE",
];

const STATUS_CODES = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
  205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
  424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
  429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 509: "Bandwidth Limit Exceeded", 510: "Not Extended",
  511: "Network Authentication Required",
};

function codedError(Base, code, message) {
  const error = new Base(message);
  error.code = code;
  return error;
}

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_PATH = /[^\u0021-\u00ff]/;

function validateHeaderName(name, label = "Header name") {
  if (typeof name !== "string" || !name || !TOKEN.test(name)) {
    throw codedError(TypeError, "ERR_INVALID_HTTP_TOKEN", `${label} must be a valid HTTP token ["${name}"]`);
  }
}

function validateHeaderValue(name, value) {
  if (value === undefined) {
    throw codedError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
  }
  if (INVALID_HEADER_CHAR.test(String(value))) {
    throw codedError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
  }
}

function unavailable(name) {
  const fn = function () {
    throw codedError(
      Error,
      "ERR_SANDBOX_UNAVAILABLE",
      `http.${name} is not available in the switchboard sandbox: app code cannot listen for connections`,
    );
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

// An Agent holds no connections here: each request is one fetch.
class Agent extends EventEmitter {
  constructor(options) {
    super();
    this.options = { __proto__: null, ...options };
    this.defaultPort = 80;
    this.protocol = "http:";
    this.requests = Object.create(null);
    this.sockets = Object.create(null);
    this.freeSockets = Object.create(null);
    this.keepAliveMsecs = (options && options.keepAliveMsecs) || 1000;
    this.keepAlive = Boolean(options && options.keepAlive);
    this.maxSockets = (options && options.maxSockets) || Infinity;
    this.maxFreeSockets = (options && options.maxFreeSockets) || 256;
    this.scheduling = (options && options.scheduling) || "lifo";
    this.maxTotalSockets = (options && options.maxTotalSockets) || Infinity;
    this.totalSocketCount = 0;
  }

  destroy() {}
  getName(options = {}) {
    return `${options.host || "localhost"}:${options.port || ""}:${options.localAddress || ""}`;
  }
}
Agent.defaultMaxSockets = Infinity;
const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });

// The 'socket' a request reports: it has the methods libraries call on it.
class FakeSocket extends EventEmitter {
  constructor(request) {
    super();
    this._request = request;
    this.connecting = false;
    this.encrypted = request.protocol === "https:";
    this.remoteAddress = undefined;
    this.remotePort = undefined;
  }
  setTimeout(ms, callback) {
    this._request.setTimeout(ms, callback);
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  address() {
    return {};
  }
  destroy(error) {
    this._request.destroy(error);
    return this;
  }
  end() {
    return this;
  }
}

function connectionReset(message) {
  return codedError(Error, "ECONNRESET", message);
}

function normalizeArguments(input, options, callback) {
  if (typeof input === "string") {
    input = urlToHttpOptions(new URL(input));
  } else if (input instanceof URL) {
    input = urlToHttpOptions(input);
  } else {
    callback = options;
    options = input;
    input = null;
  }
  if (typeof options === "function") {
    callback = options;
    options = input || {};
  } else {
    options = Object.assign(input || {}, options);
  }
  return { options, callback };
}

// Headers are kept by lower-cased name, with the name as first given.
class ClientRequest extends Stream {
  constructor(input, maybeOptions, maybeCallback) {
    super();
    const { options, callback } = normalizeArguments(input, maybeOptions, maybeCallback);
    let agent = options.agent;
    const defaultAgent = options._defaultAgent || globalAgent;
    if (agent === false) agent = new defaultAgent.constructor();
    else if (agent === null || agent === undefined) agent = defaultAgent;
    this.agent = agent;
    const protocol = options.protocol || defaultAgent.protocol;
    const expected = (agent && agent.protocol) || defaultAgent.protocol;
    if (protocol !== expected) {
      throw codedError(TypeError, "ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${expected}"`);
    }
    const defaultPort = options.defaultPort || (agent && agent.defaultPort) || 80;
    const port = options.port || defaultPort;
    const host = options.hostname || options.host || "localhost";
    for (const [key, value] of [["hostname", options.hostname], ["host", options.host]]) {
      if (value !== undefined && value !== null && typeof value !== "string") {
        throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.${key}" property must be of type string. Received ${typeof value}`);
      }
    }
    if (options.path !== undefined && options.path !== null && INVALID_PATH.test(String(options.path))) {
      throw codedError(TypeError, "ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");
    }
    let method = options.method;
    if (method !== undefined && method !== null) {
      if (typeof method !== "string") {
        throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "options.method" property must be of type string. Received ${typeof method}`);
      }
      validateHeaderName(method, "Method");
    }
    this.method = (method || "GET").toUpperCase();
    this.path = options.path ? String(options.path) : "/";
    this.host = host;
    this.protocol = protocol;
    this._port = port;
    this._defaultPort = defaultPort;
    this.aborted = false;
    this.destroyed = false;
    this.finished = false;
    this.headersSent = false;
    this.reusedSocket = false;
    this.maxHeadersCount = null;
    this.socket = null;
    this.res = null;
    this.writable = true;
    this.writableEnded = false;
    this.writableFinished = false;
    this._headers = new Map();
    this._body = [];
    this._controller = new AbortController();
    this._timer = null;
    this._timeoutMs = 0;
    if (callback) this.once("response", callback);

    const headers = options.headers;
    if (Array.isArray(headers)) {
      const pairs = headers.length && Array.isArray(headers[0]) ? headers : [];
      if (!pairs.length) for (let index = 0; index + 1 < headers.length; index += 2) pairs.push([headers[index], headers[index + 1]]);
      for (const [name, value] of pairs) this.appendHeader(name, value);
    } else if (headers) {
      for (const name of Object.keys(headers)) this.setHeader(name, headers[name]);
    }
    if (options.setHost !== false && !this.hasHeader("host")) {
      let hostHeader = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
      if (port && Number(port) !== defaultPort) hostHeader += `:${port}`;
      this.setHeader("Host", hostHeader);
    }
    if (options.auth && !this.hasHeader("authorization")) {
      this.setHeader("Authorization", "Basic " + Buffer.from(options.auth).toString("base64"));
    }
    if (options.timeout !== undefined) {
      this.timeout = options.timeout;
      this.setTimeout(options.timeout);
    }
    const signal = options.signal;
    if (signal) {
      const abort = () => {
        const error = new Error("The operation was aborted", { cause: signal.reason });
        error.name = "AbortError";
        error.code = "ABORT_ERR";
        this.destroy(error);
      };
      if (signal.aborted) {
        defer(abort);
      } else {
        signal.addEventListener("abort", abort, { once: true });
        this.once("close", () => signal.removeEventListener("abort", abort));
      }
    }
    defer(() => {
      if (this.destroyed) return;
      this.socket = new FakeSocket(this);
      this.emit("socket", this.socket);
    });
  }

  get connection() {
    return this.socket;
  }

  setHeader(name, value) {
    if (this.headersSent) throw codedError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot set headers after they are sent to the client");
    validateHeaderName(name);
    validateHeaderValue(name, value);
    this._headers.set(name.toLowerCase(), [name, value]);
    return this;
  }

  appendHeader(name, value) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    const key = name.toLowerCase();
    const existing = this._headers.get(key);
    if (!existing) return this.setHeader(name, value);
    const values = [].concat(existing[1], value);
    this._headers.set(key, [existing[0], values]);
    return this;
  }

  getHeader(name) {
    if (typeof name !== "string") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "name" argument must be of type string. Received ${typeof name}`);
    const entry = this._headers.get(name.toLowerCase());
    return entry ? entry[1] : undefined;
  }

  hasHeader(name) {
    if (typeof name !== "string") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "name" argument must be of type string. Received ${typeof name}`);
    return this._headers.has(name.toLowerCase());
  }

  removeHeader(name) {
    if (typeof name !== "string") throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "name" argument must be of type string. Received ${typeof name}`);
    if (this.headersSent) throw codedError(Error, "ERR_HTTP_HEADERS_SENT", "Cannot remove headers after they are sent to the client");
    this._headers.delete(name.toLowerCase());
  }

  getHeaders() {
    const headers = Object.create(null);
    for (const [key, [, value]] of this._headers) headers[key] = value;
    return headers;
  }

  getHeaderNames() {
    return [...this._headers.keys()];
  }

  getRawHeaderNames() {
    return [...this._headers.values()].map(([name]) => name);
  }

  flushHeaders() {}
  setNoDelay() {}
  setSocketKeepAlive() {}

  // Emits 'timeout' after ms without activity; 0 turns it off.
  setTimeout(ms, callback) {
    if (typeof ms !== "number" || !(ms >= 0)) {
      throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "msecs" argument must be of type number. Received ${typeof ms}`);
    }
    if (callback) this.once("timeout", callback);
    this._timeoutMs = ms;
    this._touch();
    return this;
  }

  _touch() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
    if (this._timeoutMs > 0 && !this.destroyed) {
      this._timer = setTimeout(() => {
        this._timer = null;
        this.emit("timeout");
      }, this._timeoutMs);
    }
  }

  write(chunk, encoding, callback) {
    if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (this.writableEnded || this.destroyed) {
      const error = this.destroyed
        ? codedError(Error, "ERR_STREAM_DESTROYED", "Cannot call write after a stream was destroyed")
        : codedError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end");
      defer(() => {
        if (callback) callback(error);
        if (!this.destroyed) this.emit("error", error);
      });
      return false;
    }
    if (chunk === null) throw codedError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
    if (typeof chunk === "string") chunk = Buffer.from(chunk, encoding || "utf8");
    else if (chunk instanceof Uint8Array) chunk = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "chunk" argument must be of type string or an instance of Buffer or Uint8Array. Received ${typeof chunk}`);
    this.headersSent = true;
    this._body.push(chunk);
    if (callback) defer(callback);
    return true;
  }

  end(chunk, encoding, callback) {
    if (typeof chunk === "function") {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      callback = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (this.writableEnded) return this;
    if (callback) this.once("finish", callback);
    this.writableEnded = true;
    this.finished = true;
    this.writable = false;
    this.headersSent = true;
    defer(() => this._send());
    return this;
  }

  _url() {
    if (/^https?:\/\//i.test(this.path)) return this.path;
    const host = this.host.includes(":") && !this.host.startsWith("[") ? `[${this.host}]` : this.host;
    const port = Number(this._port) !== this._defaultPort ? `:${this._port}` : "";
    return `${this.protocol}//${host}${port}${this.path.startsWith("/") ? "" : "/"}${this.path}`;
  }

  _send() {
    if (this.destroyed) return;
    if (!this.socket) {
      this.socket = new FakeSocket(this);
      this.emit("socket", this.socket);
    }
    this.emit("prefinish");
    const headers = [];
    // fetch sets these itself (and decodes compressed bodies itself).
    const skipped = ["host", "connection", "content-length", "transfer-encoding", "keep-alive", "expect", "upgrade", "accept-encoding"];
    for (const [key, [name, value]] of this._headers) {
      if (skipped.includes(key)) continue;
      for (const each of [].concat(value)) headers.push([name, String(each)]);
    }
    const init = { method: this.method, headers, redirect: "manual", signal: this._controller.signal };
    if (this._body.length) init.body = Buffer.concat(this._body);
    this._touch();
    let pending;
    try {
      pending = globalThis.fetch(this._url(), init);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (response) => this._onResponse(response),
      (error) => {
        // Node's fetch puts the system error (ECONNREFUSED, ...) in the cause.
        if (error && error.code === undefined && error.cause && typeof error.cause.code === "string") error.code = error.cause.code;
        if (!this.destroyed) this.destroy(error);
      },
    );
  }

  _onResponse(response) {
    if (this.destroyed) {
      if (response.body) response.body.cancel().catch(() => {});
      return;
    }
    this.writableFinished = true;
    this.emit("finish");
    const res = new IncomingMessage(response, this);
    this.res = res;
    this._touch();
    res.once("end", () => {
      if (this._timer !== null) clearTimeout(this._timer);
      this._timer = null;
      defer(() => {
        this.destroyed = true;
        this.emit("close");
      });
    });
    if (!this.emit("response", res)) res.resume();
  }

  abort() {
    if (this.aborted) return;
    this.aborted = true;
    this.destroy();
    defer(() => this.emit("abort"));
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.writable = false;
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
    const res = this.res;
    if (res && !res.complete && !res.destroyed) {
      // Node drops the rest of the body, and a response whose body has
      // arrived in the meantime ends well: read it out before aborting.
      res.removeAllListeners("data");
      res.resume();
      const deadline = setTimeout(() => {
        if (res.complete || res.destroyed) return;
        res.aborted = true;
        res.emit("aborted");
        res.destroy(error || connectionReset("aborted"));
        this._controller.abort();
      }, 0);
      res.once("close", () => clearTimeout(deadline));
      defer(() => this.emit("close"));
      return this;
    }
    this._controller.abort();
    if (res) {
      error = null;
    } else if (!error && !this.aborted) {
      error = connectionReset("socket hang up");
    }
    defer(() => {
      if (error) this.emit("error", error);
      this.emit("close");
    });
    return this;
  }
}

// The response: status, headers and a body read from the fetch Response.
class IncomingMessage extends Readable {
  constructor(response, request) {
    super();
    this.req = request;
    this.socket = request.socket;
    this.statusCode = response.status;
    this.statusMessage = response.statusText || STATUS_CODES[response.status] || "";
    this.httpVersion = "1.1";
    this.httpVersionMajor = 1;
    this.httpVersionMinor = 1;
    this.complete = false;
    this.aborted = false;
    this.url = "";
    this.method = null;
    this.trailers = {};
    this.rawTrailers = [];
    this.headers = {};
    this.rawHeaders = [];
    // fetch has decoded a compressed body: its encoding and length are gone.
    const encoding = response.headers.get("content-encoding");
    const decoded = encoding !== null && encoding.toLowerCase() !== "identity";
    for (const [name, value] of response.headers) {
      if (name === "set-cookie" || (decoded && (name === "content-encoding" || name === "content-length"))) continue;
      this.headers[name] = value;
      this.rawHeaders.push(name, value);
    }
    const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
    if (cookies.length) {
      this.headers["set-cookie"] = cookies;
      for (const cookie of cookies) this.rawHeaders.push("set-cookie", cookie);
    }
    this.headersDistinct = {};
    for (const [name, value] of Object.entries(this.headers)) this.headersDistinct[name] = [].concat(value);
    this._reader = response.body ? response.body.getReader() : null;
    this.once("end", () => {
      this.complete = true;
    });
  }

  get connection() {
    return this.socket;
  }

  setTimeout(ms, callback) {
    this.req.setTimeout(ms, callback);
    return this;
  }

  _read() {
    if (!this._reader) {
      this.complete = true;
      this.push(null);
      return;
    }
    this._reader.read().then(
      ({ done, value }) => {
        if (this.destroyed) return;
        this.req._touch();
        if (done) {
          this.complete = true;
          this.push(null);
        } else {
          this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
        }
      },
      (error) => {
        if (this.destroyed) return;
        this.aborted = true;
        this.emit("aborted");
        this.destroy(Object.assign(connectionReset("aborted"), { cause: error }));
      },
    );
  }

  _destroy(error, callback) {
    if (this._reader && !this.complete) this._reader.cancel().catch(() => {});
    if (this.req && !this.req.destroyed && !this.complete) this.req.destroy();
    callback(error);
  }
}

function request(input, options, callback) {
  return new ClientRequest(input, options, callback);
}

function get(input, options, callback) {
  const req = request(input, options, callback);
  req.end();
  return req;
}

module.exports = {
  METHODS,
  STATUS_CODES,
  Agent,
  globalAgent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage: Stream,
  Server: unavailable("Server"),
  ServerResponse: unavailable("ServerResponse"),
  createServer: unavailable("createServer"),
  validateHeaderName,
  validateHeaderValue,
  request,
  get,
  maxHeaderSize: 16384,
  setMaxIdleHTTPParsers() {},
};
