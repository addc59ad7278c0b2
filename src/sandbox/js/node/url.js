// node:url, written for switchboard: the WHATWG URL classes, file URL
// helpers, and the legacy parse/format/resolve API.
"use strict";

const querystring = require("querystring");

function invalidArg(message) {
  const error = new TypeError(message);
  error.code = "ERR_INVALID_ARG_TYPE";
  return error;
}

function fileURLToPath(input) {
  const url = typeof input === "string" ? new URL(input) : input;
  if (!(url instanceof URL)) throw invalidArg(`The "path" argument must be of type string or an instance of URL. Received ${typeof input}`);
  if (url.protocol !== "file:") {
    const error = new TypeError("The URL must be of scheme file");
    error.code = "ERR_INVALID_URL_SCHEME";
    throw error;
  }
  if (url.hostname !== "") {
    const error = new TypeError(`File URL host must be "localhost" or empty on linux`);
    error.code = "ERR_INVALID_FILE_URL_HOST";
    throw error;
  }
  if (/%2f/i.test(url.pathname)) {
    const error = new TypeError("File URL path must not include encoded / characters");
    error.code = "ERR_INVALID_FILE_URL_PATH";
    throw error;
  }
  return decodeURIComponent(url.pathname);
}

function pathToFileURL(path) {
  if (typeof path !== "string") throw invalidArg(`The "path" argument must be of type string. Received ${typeof path}`);
  const absolute = require("path").resolve(path) + (path.endsWith("/") && path.length > 1 ? "/" : "");
  const url = new URL("file://");
  url.pathname = absolute.replace(/%/g, "%25").replace(/\\/g, "%5C").replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/\t/g, "%09");
  return url;
}

// The legacy `url.parse`: a Url object with Node's fields.
function Url() {
  this.protocol = null;
  this.slashes = null;
  this.auth = null;
  this.host = null;
  this.port = null;
  this.hostname = null;
  this.hash = null;
  this.search = null;
  this.query = null;
  this.pathname = null;
  this.path = null;
  this.href = null;
}

const SLASHED = new Set(["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"]);

function parse(input, parseQueryString, slashesDenoteHost) {
  if (input instanceof Url) return input;
  if (typeof input !== "string") throw invalidArg(`The "url" argument must be of type string. Received ${typeof input}`);
  const url = new Url();
  let rest = input.trim();
  const hashAt = rest.indexOf("#");
  if (hashAt !== -1) {
    url.hash = rest.slice(hashAt);
    rest = rest.slice(0, hashAt);
  }
  const queryAt = rest.indexOf("?");
  if (queryAt !== -1) {
    url.search = rest.slice(queryAt);
    url.query = rest.slice(queryAt + 1);
    rest = rest.slice(0, queryAt);
  } else if (parseQueryString) {
    url.search = "";
    url.query = {};
  }
  const protocol = /^([a-z0-9.+-]+:)/i.exec(rest);
  if (protocol) {
    url.protocol = protocol[1].toLowerCase();
    rest = rest.slice(protocol[1].length);
  }
  if (rest.startsWith("//") && (protocol !== null || slashesDenoteHost)) {
    rest = rest.slice(2);
    url.slashes = true;
  }
  // As Node: a host follows `//`, or the scheme of a protocol that is
  // never written with slashes (mailto:user@host); javascript: has none.
  const hostless = url.protocol === "javascript:";
  if (!hostless && (url.slashes || (url.protocol !== null && !SLASHED.has(url.protocol)))) {
    const end = rest.search(/[/\\]/);
    let host = end === -1 ? rest : rest.slice(0, end);
    rest = end === -1 ? "" : rest.slice(end);
    const at = host.lastIndexOf("@");
    if (at !== -1) {
      url.auth = decodeURIComponent(host.slice(0, at));
      host = host.slice(at + 1);
    }
    const port = /:([0-9]*)$/.exec(host);
    if (port) {
      if (port[1]) url.port = port[1];
      host = host.slice(0, host.length - port[0].length);
    }
    url.hostname = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
    url.host = (host.startsWith("[") ? "[" + url.hostname + "]" : url.hostname) + (url.port ? ":" + url.port : "");
    if (SLASHED.has(url.protocol) && rest === "") rest = "/";
  }
  url.pathname = rest === "" ? null : rest;
  if (parseQueryString && typeof url.query === "string") url.query = querystring.parse(url.query);
  url.path = (url.pathname || "") + (url.search || "") || null;
  url.href = format(url);
  return url;
}

function format(input, options) {
  if (typeof input === "string") input = parse(input);
  if (input instanceof URL) {
    const settings = { auth: true, fragment: true, search: true, unicode: false, ...options };
    let text = input.protocol + (input.host || input.protocol === "file:" ? "//" : "");
    if (settings.auth && (input.username || input.password)) text += input.username + (input.password ? ":" + input.password : "") + "@";
    text += input.host + input.pathname;
    if (settings.search) text += input.search;
    if (settings.fragment) text += input.hash;
    return text;
  }
  if (input === null || typeof input !== "object") throw invalidArg(`The "urlObject" argument must be one of type object or string. Received ${typeof input}`);
  let auth = input.auth || "";
  if (auth) auth = encodeURIComponent(auth).replace(/%3A/i, ":") + "@";
  let protocol = input.protocol || "";
  if (protocol && !protocol.endsWith(":")) protocol += ":";
  let pathname = input.pathname || "";
  let hash = input.hash || "";
  let host = "";
  if (input.host) host = auth + input.host;
  else if (input.hostname) host = auth + (input.hostname.includes(":") ? "[" + input.hostname + "]" : input.hostname) + (input.port ? ":" + input.port : "");
  let search = input.search || "";
  if (!search && input.query && typeof input.query === "object" && Object.keys(input.query).length) search = "?" + querystring.stringify(input.query);
  else if (!search && typeof input.query === "string" && input.query) search = "?" + input.query;
  if (search && !search.startsWith("?")) search = "?" + search;
  if (hash && !hash.startsWith("#")) hash = "#" + hash;
  if (input.slashes || ((!protocol || SLASHED.has(protocol)) && host !== "")) {
    host = "//" + host;
    if (pathname && !pathname.startsWith("/")) pathname = "/" + pathname;
  }
  pathname = pathname.replace(/[?#]/g, encodeURIComponent);
  search = search.replace("#", "%23");
  return protocol + host + pathname + search + hash;
}

function resolve(from, to) {
  try {
    return new URL(to, new URL(from)).href;
  } catch {
    // A relative base: resolve against a placeholder origin and drop it.
    const resolved = new URL(to, new URL(from, "resolve://"));
    if (resolved.protocol === "resolve:") {
      const text = resolved.pathname + resolved.search + resolved.hash;
      return from.startsWith("/") ? text : text.replace(/^\//, "");
    }
    return resolved.href;
  }
}

function urlToHttpOptions(url) {
  const options = {
    protocol: url.protocol,
    hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
    hash: url.hash,
    search: url.search,
    pathname: url.pathname,
    path: `${url.pathname || ""}${url.search || ""}`,
    href: url.href,
  };
  if (url.port !== "") options.port = Number(url.port);
  if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return options;
}

module.exports = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  fileURLToPath,
  pathToFileURL,
  parse,
  format,
  resolve,
  resolveObject: (from, to) => parse(resolve(from, to)),
  urlToHttpOptions,
  domainToASCII: (domain) => {
    try {
      return new URL("http://" + domain).hostname;
    } catch {
      return "";
    }
  },
  domainToUnicode: (domain) => String(domain),
  Url,
};
