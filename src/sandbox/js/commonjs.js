// switchboard CommonJS: `require`, `module`, `createRequire` and Node's
// built-in modules, as Node 22 gives them to CommonJS code. Where a
// specifier leads and what source to compile come from the host
// (`op_sb_require_resolve`, `op_sb_require_source`, in commonjs.rs); the
// module cache, the wrapper and the interop live here.
//
// A CommonJS file is compiled as a classic script whose text is the file's
// own, wrapped on its first line in Node's function
// `(exports, require, module, __filename, __dirname)`, so line numbers in
// stack traces stay the file's. Built-in modules get one more parameter,
// `internals`: the few host facilities they are written against.
//
// Like the bootstrap, this code uses only intrinsics captured before user
// code ran: a run that replaces `JSON.parse` or `Map.prototype.get` does
// not step into `require`.

import { core, primordials } from "ext:core/mod.js";
import {
  op_sb_builtin_modules,
  op_sb_digest,
  op_sb_hmac,
  op_sb_require_resolve,
  op_sb_require_source,
  op_sb_zlib,
  op_sb_cipher,
  op_sb_pbkdf2,
  op_sb_scrypt,
} from "ext:core/ops";

const {
  ArrayPrototypeIncludes,
  ArrayPrototypePush,
  Error: IntrinsicError,
  JSONParse,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectFreeze,
  ReflectApply,
  SafeMap,
  StringPrototypeIndexOf,
  StringPrototypeLastIndexOf,
  StringPrototypeSlice,
  StringPrototypeStartsWith,
  TypeError: IntrinsicTypeError,
  decodeURIComponent: intrinsicDecodeURIComponent,
} = primordials;

// CommonJS modules of the app by virtual path, and built-ins by name.
const files = new SafeMap();
const builtins = new SafeMap();
// Resolutions by folder and specifier: a resolution does not change while
// the runtime holds the app.
const resolutions = new SafeMap();

const builtinModules = ObjectFreeze(JSONParse(op_sb_builtin_modules()));

const dirname = (path) => {
  const slash = StringPrototypeLastIndexOf(path, "/");
  return slash <= 0 ? "/" : StringPrototypeSlice(path, 0, slash);
};

const requireError = (message, code) => {
  const error = new IntrinsicError(message);
  ObjectDefineProperty(error, "code", { value: code, writable: true, enumerable: true, configurable: true });
  return error;
};

// What the host needs a file's require to know: the importing file's
// virtual path (its folder for createRequire of a folder).
const resolveFrom = (specifier, from) => {
  if (typeof specifier !== "string" || specifier === "") {
    throw new IntrinsicTypeError(`The "id" argument must be a non-empty string. Received ${typeof specifier}`);
  }
  const key = dirname(from) + "\0" + specifier;
  let found = resolutions.get(key);
  if (found === undefined) {
    try {
      found = JSONParse(op_sb_require_resolve(specifier, from));
    } catch (error) {
      const unknownBuiltin = StringPrototypeStartsWith(specifier, "node:");
      throw requireError(error.message, unknownBuiltin ? "ERR_UNKNOWN_BUILTIN_MODULE" : "MODULE_NOT_FOUND");
    }
    resolutions.set(key, found);
  }
  return found;
};

class Module {
  constructor(id, parent) {
    this.id = id;
    this.filename = id;
    this.path = dirname(id);
    this.exports = {};
    this.parent = parent;
    this.loaded = false;
    this.children = [];
    this.paths = [];
    this.require = makeRequire(id, this);
  }
}

// Compiles `source` as the body of a wrapper function named by `url`.
const compile = (source, url, parameters) => {
  const wrapped = "(function (" + parameters + ") {" + source + "\n})";
  const { 0: fn, 1: error } = core.evalContext(wrapped, url);
  if (error) throw error.thrown;
  return fn;
};

const FILE_PARAMETERS = "exports, require, module, __filename, __dirname";

const loadFile = (found, parent) => {
  const cached = files.get(found.path);
  if (cached !== undefined) return cached;
  if (found.format === "module") {
    throw requireError(
      `require() of the ES module ${found.path} is not supported in the switchboard sandbox: import it with \`import\` or \`await import()\` instead`,
      "ERR_REQUIRE_ESM",
    );
  }
  const module = new Module(found.path, parent);
  files.set(found.path, module);
  if (parent) ArrayPrototypePush(parent.children, module);
  try {
    const source = op_sb_require_source(found.path);
    if (found.format === "json") {
      try {
        module.exports = JSONParse(source);
      } catch (error) {
        throw new error.constructor(`${found.path}: ${error.message}`);
      }
    } else {
      const fn = compile(source, found.url, FILE_PARAMETERS);
      ReflectApply(fn, module.exports, [module.exports, module.require, module, found.path, dirname(found.path)]);
    }
  } catch (error) {
    files.delete(found.path);
    throw error;
  }
  module.loaded = true;
  return module;
};

const internals = ObjectCreate(null);

const requireBuiltin = (name) => {
  if (StringPrototypeStartsWith(name, "node:")) name = StringPrototypeSlice(name, 5);
  if (name === "module") return moduleBuiltin;
  const cached = builtins.get(name);
  if (cached !== undefined) return cached.exports;
  if (!ArrayPrototypeIncludes(builtinModules, name)) {
    throw requireError(`Cannot find module 'node:${name}'`, "ERR_UNKNOWN_BUILTIN_MODULE");
  }
  const id = "node:" + name;
  const module = new Module(id, null);
  builtins.set(name, module);
  try {
    const source = op_sb_require_source(id);
    const fn = compile(source, "node:" + name, FILE_PARAMETERS + ", internals");
    ReflectApply(fn, module.exports, [module.exports, requireBuiltin, module, id, "/", internals]);
  } catch (error) {
    builtins.delete(name);
    throw error;
  }
  module.loaded = true;
  return module.exports;
};

function makeRequire(from, parent) {
  const require = (specifier) => {
    const found = resolveFrom(specifier, from);
    if (found.builtin !== undefined) return requireBuiltin(found.builtin);
    if (found.module !== undefined) {
      throw requireError(
        `require('${specifier}') from ${from}: '${specifier}' is an ES module built into switchboard; import it with \`import\` instead`,
        "ERR_REQUIRE_ESM",
      );
    }
    return loadFile(found, parent).exports;
  };
  require.resolve = (specifier) => {
    const found = resolveFrom(specifier, from);
    // A built-in resolves to itself, as it was named.
    if (found.builtin !== undefined || found.module !== undefined) return specifier;
    return found.path;
  };
  require.resolve.paths = () => null;
  require.cache = ObjectCreate(null);
  require.main = undefined;
  return require;
}

// A file URL (as `import.meta.url`, with our `?node` query) or an absolute
// path, as a virtual path.
const pathOf = (from) => {
  if (typeof from === "object" && from !== null && typeof from.href === "string") from = from.href;
  if (typeof from !== "string") {
    throw new IntrinsicTypeError(`createRequire() needs a file URL or an absolute path, got ${typeof from}`);
  }
  if (StringPrototypeStartsWith(from, "file://")) {
    from = StringPrototypeSlice(from, 7);
    const query = StringPrototypeIndexOf(from, "?");
    if (query !== -1) from = StringPrototypeSlice(from, 0, query);
    from = intrinsicDecodeURIComponent(from);
  } else if (!StringPrototypeStartsWith(from, "/")) {
    throw new IntrinsicTypeError(`createRequire() needs a file URL or an absolute path, got '${from}'`);
  }
  return from;
};

// A path ending in `/` is a folder, as in Node.
const createRequire = (from) => makeRequire(pathOf(from), null);

const isBuiltin = (name) =>
  typeof name === "string" &&
  (name === "module" || ArrayPrototypeIncludes(builtinModules, StringPrototypeStartsWith(name, "node:") ? StringPrototypeSlice(name, 5) : name));

const moduleBuiltin = Module;
Module.createRequire = createRequire;
Module.builtinModules = builtinModules;
Module.isBuiltin = isBuiltin;
Module.Module = Module;

// A function of a module the sandbox does not have: importing works,
// calling throws and says why.
const unavailableFunction = (module, name, why) => {
  const fn = function () {
    throw requireError(`${module}.${name} is not available in the switchboard sandbox: ${why}`, "ERR_SANDBOX_UNAVAILABLE");
  };
  ObjectDefineProperty(fn, "name", { value: name });
  return fn;
};
internals.unavailable = (module, why, names) => {
  const exports = ObjectCreate(null);
  for (let index = 0; index < names.length; index++) {
    exports[names[index]] = unavailableFunction(module, names[index], why);
  }
  return exports;
};
internals.digest = (algorithm, data) => op_sb_digest(algorithm, data);
internals.hmac = (algorithm, key, data) => op_sb_hmac(algorithm, key, data);
internals.zlib = (operation, data, level) => op_sb_zlib(operation, data, level);
internals.cipher = (algorithm, encrypt, key, iv, data, aad, tag, padding) => op_sb_cipher(algorithm, encrypt, key, iv, data, aad, tag, padding);
internals.pbkdf2 = (digest, password, salt, iterations, length) => op_sb_pbkdf2(digest, password, salt, iterations, length);
internals.scrypt = (password, salt, n, r, p, length) => op_sb_scrypt(password, salt, n, r, p, length);
internals.process = null;
internals.asyncContext = ObjectFreeze({
  AsyncVariable: core.AsyncVariable,
  getAsyncContext: core.getAsyncContext,
  setAsyncContext: core.setAsyncContext,
});

export { createRequire, internals, requireBuiltin };
