// node:path (POSIX), written for switchboard. The working directory of app
// code is `/`.
"use strict";

function assertPath(value, name) {
  if (typeof value !== "string") {
    const error = new TypeError(`The "${name}" argument must be of type string. Received ${value === null ? "null" : typeof value}`);
    error.code = "ERR_INVALID_ARG_TYPE";
    throw error;
  }
}

// Folds `.` and `..` segments; keeps a leading `..` of a relative path.
function fold(path, absolute) {
  const out = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else {
      out.push(segment);
    }
  }
  return out.join("/");
}

function normalize(path) {
  assertPath(path, "path");
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let folded = fold(path, absolute);
  if (folded === "" && !absolute) folded = ".";
  if (folded !== "" && trailing) folded += "/";
  return absolute ? "/" + folded : folded;
}

function join(...parts) {
  for (const part of parts) assertPath(part, "path");
  const joined = parts.filter((part) => part !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

function resolve(...parts) {
  let resolved = "";
  for (let index = parts.length - 1; index >= -1 && !resolved.startsWith("/"); index--) {
    const part = index >= 0 ? parts[index] : "/";
    assertPath(part, "paths[" + index + "]");
    if (part === "") continue;
    resolved = resolved === "" ? part : part + "/" + resolved;
  }
  const folded = fold(resolved, true);
  return "/" + folded;
}

function isAbsolute(path) {
  assertPath(path, "path");
  return path.startsWith("/");
}

function relative(from, to) {
  assertPath(from, "from");
  assertPath(to, "to");
  if (from === to) return "";
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}

function trimTrailing(path) {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

function dirname(path) {
  assertPath(path, "path");
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  // The last slash before the final name, with the name's own trailing
  // slashes skipped.
  let end = -1;
  let inTrailingSlashes = true;
  for (let index = path.length - 1; index >= 1; index--) {
    if (path[index] === "/") {
      if (!inTrailingSlashes) {
        end = index;
        break;
      }
    } else {
      inTrailingSlashes = false;
    }
  }
  if (end === -1) return absolute ? "/" : ".";
  if (absolute && end === 1) return "//";
  return path.slice(0, end);
}

function basename(path, suffix) {
  assertPath(path, "path");
  if (suffix !== undefined) assertPath(suffix, "suffix");
  const trimmed = path === "/" ? "" : trimTrailing(path);
  let base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (suffix !== undefined && base.endsWith(suffix)) base = base.slice(0, base.length - suffix.length);
  return base;
}

function extname(path) {
  assertPath(path, "path");
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || (dot === 1 && base === "..")) return "";
  return base.slice(dot);
}

function parse(path) {
  assertPath(path, "path");
  const root = path.startsWith("/") ? "/" : "";
  if (path === "" || path === "/") return { root, dir: root, base: "", ext: "", name: "" };
  const trimmed = trimTrailing(path);
  const slash = trimmed.lastIndexOf("/");
  const dir = slash > 0 ? trimmed.slice(0, slash) : slash === 0 ? "/" : "";
  const base = basename(path);
  const ext = extname(path);
  return { root, dir, base, ext, name: ext ? base.slice(0, base.length - ext.length) : base };
}

function format(parts) {
  if (parts === null || typeof parts !== "object") {
    throw new TypeError(`The "pathObject" argument must be of type object. Received ${parts === null ? "null" : typeof parts}`);
  }
  const dir = parts.dir || parts.root || "";
  const base = parts.base || (parts.name || "") + (parts.ext ? (parts.ext.startsWith(".") ? "" : ".") + parts.ext : "");
  if (!dir) return base;
  return dir === parts.root ? dir + base : dir + "/" + base;
}

function toNamespacedPath(path) {
  return path;
}

module.exports = {
  sep: "/",
  delimiter: ":",
  normalize,
  join,
  resolve,
  isAbsolute,
  relative,
  dirname,
  basename,
  extname,
  parse,
  format,
  toNamespacedPath,
};
module.exports.posix = module.exports;
