// node:querystring, written for switchboard.
"use strict";

function escape(text) {
  return encodeURIComponent(typeof text === "string" ? text : String(text));
}

function unescape(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function stringifyPrimitive(value) {
  if (typeof value === "string") return value;
  if ((typeof value === "number" && isFinite(value)) || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return "";
}

function stringify(object, sep = "&", eq = "=", options) {
  const encode = (options && options.encodeURIComponent) || escape;
  if (object === null || typeof object !== "object") return "";
  const parts = [];
  for (const key of Object.keys(object)) {
    const value = object[key];
    const name = encode(stringifyPrimitive(key)) + eq;
    if (Array.isArray(value)) {
      for (const item of value) parts.push(name + encode(stringifyPrimitive(item)));
    } else {
      parts.push(name + encode(stringifyPrimitive(value)));
    }
  }
  return parts.join(sep);
}

function parse(text, sep = "&", eq = "=", options) {
  const result = Object.create(null);
  if (typeof text !== "string" || text.length === 0) return result;
  const decode = (options && options.decodeURIComponent) || unescape;
  const maxKeys = options && typeof options.maxKeys === "number" ? options.maxKeys : 1000;
  let pairs = text.split(sep);
  if (maxKeys > 0) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair === "") continue;
    const at = pair.indexOf(eq);
    const rawKey = at >= 0 ? pair.slice(0, at) : pair;
    const rawValue = at >= 0 ? pair.slice(at + eq.length) : "";
    const key = decode(rawKey.replace(/\+/g, " "));
    const value = decode(rawValue.replace(/\+/g, " "));
    if (!(key in result)) result[key] = value;
    else if (Array.isArray(result[key])) result[key].push(value);
    else result[key] = [result[key], value];
  }
  return result;
}

module.exports = { parse, stringify, escape, unescape, decode: parse, encode: stringify };
