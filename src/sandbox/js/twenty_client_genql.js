// Built-in `switchboard:twenty-client-sdk/genql`: shared by the `twenty-client-sdk/core`
// and `/metadata` clients. Turns genql selection objects into GraphQL documents whose
// arguments travel as typed variables (types learnt by one introspection per endpoint),
// and holds the client class both wrap, plus `GenqlError`.


// The gateway's fetch is called directly: looking up `.call` would go
// through Function.prototype, which an earlier run may have replaced.
const callFetch = (implementation, url, init) =>
  implementation === globalThis.__switchboard_fetch ? implementation(url, init) : implementation.call(globalThis, url, init);

export class GenqlError extends Error {
  constructor(errors, data) {
    const messages = Array.isArray(errors) ? errors.map((error) => error?.message || "").join("\n") : "";
    super(messages || "GraphQL error");
    this.name = "GenqlError";
    this.errors = errors;
    this.data = data;
  }
}

// ---------------------------------------------------------------------------
// Schema: only what building a document needs, read from one introspection.

// `kind name ofType { ... }` seven levels deep: enough for `[[Type!]!]!`.
const typeRef = (depth) => (depth === 0 ? "kind name" : `kind name ofType { ${typeRef(depth - 1)} }`);

export const INTROSPECTION_QUERY = `query SwitchboardIntrospection {
  __schema {
    queryType { name }
    mutationType { name }
    types { name fields(includeDeprecated: true) { name args { name type { ...TypeRef } } type { ...TypeRef } } }
  }
}
fragment TypeRef on __Type { ${typeRef(6)} }`;

const typeString = (ref) => {
  if (ref.kind === "NON_NULL") return `${typeString(ref.ofType)}!`;
  if (ref.kind === "LIST") return `[${typeString(ref.ofType)}]`;
  return ref.name;
};

const namedType = (ref) => (ref.ofType ? namedType(ref.ofType) : ref);

// { queryType, mutationType, types: { Name: { fields: { f: { typeName, args: { a: "Type!" } } }, scalars: [...] } } }
// `scalars` are the fields `__scalar` selects: scalar or enum typed, with no required argument.
export const readSchema = (data) => {
  const raw = data?.__schema;
  if (!raw || !Array.isArray(raw.types)) throw new Error("the introspection answer has no __schema");
  const types = Object.create(null);
  for (const type of raw.types) {
    if (!Array.isArray(type.fields)) continue;
    const fields = Object.create(null);
    const scalars = [];
    for (const field of type.fields) {
      const args = Object.create(null);
      for (const arg of field.args ?? []) args[arg.name] = typeString(arg.type);
      const named = namedType(field.type);
      fields[field.name] = { typeName: named.name, args };
      const leaf = named.kind === "SCALAR" || named.kind === "ENUM";
      const requiresArgs = (field.args ?? []).some((arg) => arg.type.kind === "NON_NULL");
      if (leaf && !requiresArgs) scalars.push(field.name);
    }
    types[type.name] = { fields, scalars };
  }
  return { queryType: raw.queryType?.name ?? null, mutationType: raw.mutationType?.name ?? null, types };
};

// ---------------------------------------------------------------------------
// Selection objects -> documents.
//
// A key is selected when its value is truthy; an object value is a
// sub-selection. Special keys: `__args` (arguments), `__scalar` (every scalar
// field of the type), `__name` (operation name, at the root), `on_Type`
// (inline fragment).

const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

const definedArgs = (selection) =>
  isObject(selection.__args) ? Object.entries(selection.__args).filter(([, value]) => value !== undefined) : [];

// Whether any part of this selection needs the schema (arguments or `__scalar`).
export const needsSchema = (selection) => {
  if (!isObject(selection)) return false;
  if (selection.__scalar || definedArgs(selection).length > 0) return true;
  return Object.keys(selection).some((key) => key !== "__args" && needsSchema(selection[key]));
};

const hasSubselection = (selection) =>
  isObject(selection) && Object.keys(selection).some((key) => key !== "__args" && key !== "__name");

// `typeName` is null when building without a schema (the fast path) or below
// a field the schema does not know (only reached when nothing there needs it).
const selectionSet = (selection, typeName, where, state) => {
  const type = state.schema && typeName ? state.schema.types[typeName] : null;
  const parts = [];
  if (selection.__scalar) {
    if (!type) throw new Error(`${state.label}: cannot expand __scalar at ${where}: unknown type ${typeName}`);
    for (const name of type.scalars) if (!Object.hasOwn(selection, name)) parts.push(name);
  }
  for (const key of Object.keys(selection)) {
    if (key === "__args" || key === "__name" || key === "__scalar" || !selection[key]) continue;
    const value = selection[key];
    if (key.startsWith("on_")) {
      const target = key.slice(3);
      if (!hasSubselection(value)) throw new Error(`${state.label}: ${where}.${key} needs a selection object`);
      if (state.schema && !state.schema.types[target] && needsSchema(value)) {
        throw new Error(`${state.label}: unknown type ${target} (in ${where}.${key})`);
      }
      parts.push(`... on ${target} ${selectionSet(value, target, `${where}.${key}`, state)}`);
    } else {
      parts.push(fieldText(key, value, type, typeName, where, state));
    }
  }
  if (parts.length === 0) {
    if (selection.__scalar) return "{ __typename }";
    throw new Error(`${state.label}: field selection should not be empty: ${where}`);
  }
  return `{ ${parts.join(" ")} }`;
};

const fieldText = (name, value, parentType, parentName, where, state) => {
  const field = parentType?.fields[name] ?? null;
  if (state.schema && !field && needsSchema(value)) {
    throw new Error(`${state.label}: unknown field ${parentName ?? where}.${name}`);
  }
  let text = name;
  const args = isObject(value) ? definedArgs(value) : [];
  if (args.length > 0) {
    const passed = args.map(([arg, argValue]) => {
      const argType = field.args[arg];
      if (!argType) throw new Error(`${state.label}: unknown argument \`${arg}\` for field ${parentName}.${name}`);
      const variable = `v${++state.counter}`;
      state.definitions.push(`$${variable}: ${argType}`);
      state.variables[variable] = argValue;
      return `${arg}: $${variable}`;
    });
    text += `(${passed.join(", ")})`;
  }
  if (hasSubselection(value)) text += ` ${selectionSet(value, field?.typeName ?? null, `${where}.${name}`, state)}`;
  return text;
};

// `kind` is "query" or "mutation"; `schema` comes from `readSchema`, or is
// null when `needsSchema(request)` is false. Returns `{ query, variables?,
// operationName? }`, ready to POST.
export const buildOperation = (kind, request, schema, label = "GraphQL client") => {
  if (!isObject(request)) throw new Error(`${label}: ${kind} expects a selection object`);
  let rootName = kind === "mutation" ? "Mutation" : "Query";
  if (schema) {
    rootName = kind === "mutation" ? schema.mutationType : schema.queryType;
    if (!rootName) throw new Error(`${label}: the API has no ${kind} type`);
  }
  const state = { schema, label, counter: 0, definitions: [], variables: {} };
  const body = selectionSet(request, schema ? rootName : null, rootName, state);
  const name = request.__name ? ` ${request.__name}` : "";
  const definitions = state.definitions.length > 0 ? `(${state.definitions.join(", ")})` : "";
  const operation = { query: `${kind}${name}${definitions} ${body}` };
  if (state.definitions.length > 0) operation.variables = state.variables;
  if (request.__name) operation.operationName = String(request.__name);
  return operation;
};

// ---------------------------------------------------------------------------
// The client behind CoreApiClient and MetadataApiClient.

const env = () => globalThis.process?.env ?? {};
const nonEmpty = (value) => (typeof value === "string" && value.trim().length > 0 ? value.trim() : null);

// "Bearer abc" and "abc" both mean the token abc; "" and "Bearer" mean none.
const bearerToken = (header) => {
  const value = nonEmpty(header);
  if (!value || value === "Bearer") return null;
  return value.startsWith("Bearer ") ? nonEmpty(value.slice(7)) : value;
};

// Plain-object headers may carry undefined values; `new Headers` would send them as "undefined".
const toHeaders = (init) => {
  if (isObject(init) && !(init instanceof Headers)) {
    return new Headers(Object.entries(init).filter(([, value]) => value !== undefined && value !== null));
  }
  return new Headers(init ?? {});
};

// One introspection per endpoint URL for the life of the module; a failed one is forgotten.
const schemas = new Map();

export class TwentyGraphqlClient {
  #label;
  #path;
  #url;
  #headers;
  #fetch;
  #runAs;
  #init;

  // `label` names the client in errors; `path` is appended to TWENTY_API_URL
  // when no `url` option is given.
  constructor(options, { label, path }) {
    const { url, headers, fetch, fetcher: _fetcher, batch: _batch, runAs, ...init } = options ?? {};
    this.#label = label;
    this.#path = path;
    this.#url = url;
    this.#headers = headers;
    this.#fetch = fetch;
    this.#runAs = runAs;
    this.#init = init;
  }

  query(request) {
    return this.#run("query", request);
  }

  mutation(request) {
    return this.#run("mutation", request);
  }

  // Uploads a file for a FILES field: get an upload target, PUT the bytes
  // there, then confirm. `fileBuffer` is anything with `byteLength` that
  // fetch accepts as a body (Uint8Array, ArrayBuffer, Blob-like buffers).
  async uploadFile({ fileBuffer, filename, fieldMetadataUniversalIdentifier }) {
    const { createFileUpload: target } = await this.#mutate(
      `mutation CreateFilesFieldFileUpload($filename: String!, $size: Float!, $fieldMetadataUniversalIdentifier: String!) {
        createFileUpload(filename: $filename, size: $size, fileFolder: FilesField, fieldMetadataUniversalIdentifier: $fieldMetadataUniversalIdentifier) { fileId uploadUrl contentType }
      }`,
      { filename, size: fileBuffer.byteLength ?? fileBuffer.size, fieldMetadataUniversalIdentifier },
    );
    const put = await callFetch(this.#fetchImplementation(), target.uploadUrl, {
      method: "PUT",
      headers: { "Content-Type": target.contentType },
      body: fileBuffer,
      credentials: "omit",
    });
    if (!put.ok) throw new Error(`File upload failed (${put.status} ${put.statusText}): ${await put.text()}`);
    const { completeFileUpload } = await this.#mutate(
      `mutation CompleteFilesFieldFileUpload($fileId: String!) {
        completeFileUpload(fileId: $fileId) { id path size createdAt url }
      }`,
      { fileId: target.fileId },
    );
    return completeFileUpload;
  }

  async #mutate(query, variables) {
    const payload = await this.#post({ query, variables });
    if (payload.errors) throw new GenqlError(payload.errors, payload.data);
    if (!payload.data) throw new Error("Empty GraphQL response");
    return payload.data;
  }

  async #run(kind, request) {
    const schema = needsSchema(request) ? await this.#schema() : null;
    const payload = await this.#post(buildOperation(kind, request, schema, this.#label));
    if (Array.isArray(payload.errors) && payload.errors.length > 0) throw new GenqlError(payload.errors, payload.data);
    return payload.data;
  }

  #endpoint() {
    if (this.#url !== undefined && this.#url !== null) return this.#url;
    const base = nonEmpty(env().TWENTY_API_URL);
    if (!base) throw new Error(`${this.#label}: missing API url. Set TWENTY_API_URL or pass \`url\` to ${this.#label}.`);
    return `${base.replace(/\/+$/, "")}${this.#path}`;
  }

  #fetchImplementation() {
    const implementation = this.#fetch ?? globalThis.__switchboard_fetch ?? globalThis.fetch;
    if (typeof implementation !== "function") {
      throw new Error(`Global \`fetch\` function is not available, pass a fetch implementation to ${this.#label}`);
    }
    return implementation;
  }

  // Explicit Authorization header > the token for `runAs` > TWENTY_API_KEY.
  #token(headers) {
    const explicit = bearerToken(headers.get("Authorization"));
    if (explicit) return explicit;
    const variables = env();
    const key = this.#runAs === "application" ? "TWENTY_APP_APPLICATION_ACCESS_TOKEN" : "TWENTY_APP_ACCESS_TOKEN";
    return nonEmpty(variables[key]) ?? nonEmpty(variables.TWENTY_API_KEY);
  }

  // POSTs one operation and returns the parsed JSON answer; non-2xx and
  // non-JSON answers throw.
  async #post(operation) {
    const url = this.#endpoint();
    const fetchImplementation = this.#fetchImplementation();
    const given = typeof this.#headers === "function" ? await this.#headers() : this.#headers;
    const headers = toHeaders(given);
    const token = this.#token(headers);
    headers.set("Content-Type", "application/json");
    if (token) headers.set("Authorization", `Bearer ${token}`);
    else headers.delete("Authorization");
    const response = await callFetch(fetchImplementation, url, {
      ...this.#init,
      method: "POST",
      headers,
      body: JSON.stringify(operation),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.statusText}: ${text}`);
    let payload = null;
    try {
      payload = JSON.parse(text);
    } catch {
      // handled below
    }
    if (!isObject(payload)) throw new Error("Invalid JSON response");
    return payload;
  }

  #schema() {
    const url = this.#endpoint();
    let pending = schemas.get(url);
    if (!pending) {
      pending = this.#post({ query: INTROSPECTION_QUERY })
        .then((payload) => {
          if (Array.isArray(payload.errors) && payload.errors.length > 0) throw new GenqlError(payload.errors, payload.data);
          return readSchema(payload.data);
        })
        .catch((error) => {
          if (schemas.get(url) === pending) schemas.delete(url);
          throw new Error(`${this.#label}: could not read the API schema from ${url} (needed for __args and __scalar): ${error.message}`, { cause: error });
        });
      schemas.set(url, pending);
    }
    return pending;
  }
}
