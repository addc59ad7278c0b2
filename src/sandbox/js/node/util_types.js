// node:util/types, written for switchboard.
"use strict";

const tag = (value) => Object.prototype.toString.call(value);
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(TypedArrayPrototype, Symbol.toStringTag).get;
const typedTag = (value) => (ArrayBuffer.isView(value) && !(value instanceof DataView) ? typedArrayTag.call(value) : undefined);
const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor;

module.exports = {
  isAnyArrayBuffer: (value) => value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer),
  isArrayBuffer: (value) => value instanceof ArrayBuffer,
  isArrayBufferView: (value) => ArrayBuffer.isView(value),
  isAsyncFunction: (value) => value instanceof AsyncFunction || value instanceof AsyncGeneratorFunction,
  isBigInt64Array: (value) => typedTag(value) === "BigInt64Array",
  isBigUint64Array: (value) => typedTag(value) === "BigUint64Array",
  isBooleanObject: (value) => typeof value === "object" && tag(value) === "[object Boolean]",
  isBoxedPrimitive: (value) =>
    typeof value === "object" && value !== null && ["[object Boolean]", "[object Number]", "[object String]", "[object Symbol]", "[object BigInt]"].includes(tag(value)),
  isDataView: (value) => value instanceof DataView,
  isDate: (value) => value instanceof Date,
  isFloat32Array: (value) => typedTag(value) === "Float32Array",
  isFloat64Array: (value) => typedTag(value) === "Float64Array",
  isGeneratorFunction: (value) => value instanceof GeneratorFunction || value instanceof AsyncGeneratorFunction,
  isGeneratorObject: (value) => tag(value) === "[object Generator]",
  isInt8Array: (value) => typedTag(value) === "Int8Array",
  isInt16Array: (value) => typedTag(value) === "Int16Array",
  isInt32Array: (value) => typedTag(value) === "Int32Array",
  isMap: (value) => value instanceof Map,
  isMapIterator: (value) => tag(value) === "[object Map Iterator]",
  isNativeError: (value) => value instanceof Error,
  isNumberObject: (value) => typeof value === "object" && tag(value) === "[object Number]",
  isPromise: (value) => value instanceof Promise,
  isProxy: () => false,
  isRegExp: (value) => value instanceof RegExp,
  isSet: (value) => value instanceof Set,
  isSetIterator: (value) => tag(value) === "[object Set Iterator]",
  isSharedArrayBuffer: (value) => typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer,
  isStringObject: (value) => typeof value === "object" && tag(value) === "[object String]",
  isSymbolObject: (value) => typeof value === "object" && tag(value) === "[object Symbol]",
  isTypedArray: (value) => typedTag(value) !== undefined,
  isUint8Array: (value) => typedTag(value) === "Uint8Array",
  isUint8ClampedArray: (value) => typedTag(value) === "Uint8ClampedArray",
  isUint16Array: (value) => typedTag(value) === "Uint16Array",
  isUint32Array: (value) => typedTag(value) === "Uint32Array",
  isWeakMap: (value) => value instanceof WeakMap,
  isWeakSet: (value) => value instanceof WeakSet,
  isKeyObject: () => false,
  isCryptoKey: (value) => typeof CryptoKey !== "undefined" && value instanceof CryptoKey,
};
