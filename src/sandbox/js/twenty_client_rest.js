// Built-in `twenty-client-sdk/rest`: `RestApiClient` for Twenty's REST API and
// the app's own routes (`s/...` paths, served from TWENTY_FUNCTIONS_URL). URL
// and token come from the options or, at each request, from `process.env`;
// every failure is a `RestApiClientError`.


// The gateway's fetch is called directly: looking up `.call` would go
// through Function.prototype, which an earlier run may have replaced.
const callFetch = (implementation, url, init) =>
  implementation === globalThis.__switchboard_fetch ? implementation(url, init) : implementation.call(globalThis, url, init);

export class RestApiClientError extends Error {
  constructor(message, details) {
    super(message);
    this.name = "RestApiClientError";
    this.status = details?.status;
    this.statusText = details?.statusText;
    this.url = details?.url;
    this.body = details?.body;
  }
}

const env = () => globalThis.process?.env ?? {};
const given = (value) => value !== undefined && value !== null;
const nonEmpty = (value) => (typeof value === "string" && value.trim().length > 0 ? value.trim() : null);
const withoutTrailingSlashes = (url) => url.replace(/\/+$/, "");

const isAppRoute = (path) => /^\/?s\//.test(path);
const isAbsolute = (path) => /^https?:\/\//i.test(path);

// `base` + `path`, then the query parameters that are not null/undefined.
const buildUrl = (base, path, query) => {
  let url = isAbsolute(path) ? path : `${base}${path.startsWith("/") ? "" : "/"}${path}`;
  if (!given(query)) return url;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (given(value)) params.append(name, String(value));
  const search = params.toString();
  if (search) url += `${url.includes("?") ? "&" : "?"}${search}`;
  return url;
};

// Bodies fetch understands as they are; anything else is sent as JSON.
const isRawBody = (body) =>
  typeof body === "string" ||
  (typeof FormData !== "undefined" && body instanceof FormData) ||
  (typeof Blob !== "undefined" && body instanceof Blob) ||
  (typeof URLSearchParams !== "undefined" && body instanceof URLSearchParams) ||
  (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) ||
  body instanceof ArrayBuffer ||
  ArrayBuffer.isView(body);

export class RestApiClient {
  #baseUrl;
  #token;
  #fetch;
  #defaultHeaders;
  #runAs;

  constructor(options) {
    this.#baseUrl = options?.baseUrl;
    this.#token = options?.token;
    this.#fetch = options?.fetch;
    this.#defaultHeaders = options?.defaultHeaders;
    this.#runAs = options?.runAs;
  }

  request(method, path, options) {
    return this.#execute(method, path, options?.body, options);
  }

  get(path, options) {
    return this.#execute("GET", path, undefined, options);
  }

  post(path, body, options) {
    return this.#execute("POST", path, body, options);
  }

  put(path, body, options) {
    return this.#execute("PUT", path, body, options);
  }

  patch(path, body, options) {
    return this.#execute("PATCH", path, body, options);
  }

  delete(path, options) {
    return this.#execute("DELETE", path, undefined, options);
  }

  // The full URL a request to `path` would go to (throws when no base URL is known).
  resolveUrl(path, options) {
    const { base, rest } = this.#target(path);
    return buildUrl(base, rest, options?.query);
  }

  #apiBaseUrl() {
    const url = this.#baseUrl ?? nonEmpty(env().TWENTY_API_URL);
    if (!given(url) || String(url).trim().length === 0) {
      throw new RestApiClientError(
        "Missing API url. Set the `TWENTY_API_URL` environment variable or pass `baseUrl` to `RestApiClient`.",
      );
    }
    return withoutTrailingSlashes(String(url).trim());
  }

  // `s/...` paths are the app's own routes: unless `baseUrl` was given they
  // go to TWENTY_FUNCTIONS_URL (or `<api url>/s`), without the `s/` prefix.
  #target(path) {
    if (isAbsolute(path)) return { base: "", rest: path };
    if (given(this.#baseUrl) || !isAppRoute(path)) return { base: this.#apiBaseUrl(), rest: path };
    const functionsUrl = nonEmpty(env().TWENTY_FUNCTIONS_URL);
    const base = functionsUrl ? withoutTrailingSlashes(functionsUrl) : `${this.#apiBaseUrl()}/s`;
    return { base, rest: path.replace(/^(\/?)s\//, "$1") };
  }

  // `token` option > the token for `runAs` > TWENTY_API_KEY.
  #resolveToken() {
    const key = this.#runAs === "application" ? "TWENTY_APP_APPLICATION_ACCESS_TOKEN" : "TWENTY_APP_ACCESS_TOKEN";
    const variables = env();
    const token = nonEmpty(this.#token) ?? nonEmpty(variables[key]) ?? nonEmpty(variables.TWENTY_API_KEY);
    if (!token) {
      throw new RestApiClientError(
        `Missing application access token. Set the \`${key}\` environment variable or pass \`token\` to \`RestApiClient\`.`,
      );
    }
    return token;
  }

  async #execute(method, path, body, options) {
    const url = this.resolveUrl(path, options);
    const token = this.#resolveToken();
    const fetchImplementation = this.#fetch ?? globalThis.__switchboard_fetch ?? globalThis.fetch;
    if (typeof fetchImplementation !== "function") {
      throw new RestApiClientError(
        "Global `fetch` function is not available, pass a fetch implementation to `RestApiClient`.",
      );
    }

    const headers = new Headers(this.#defaultHeaders ?? {});
    if (given(options?.headers)) new Headers(options.headers).forEach((value, name) => headers.set(name, value));
    let payload;
    if (given(body)) {
      if (typeof FormData !== "undefined" && body instanceof FormData) headers.delete("Content-Type");
      if (isRawBody(body)) payload = body;
      else {
        headers.set("Content-Type", "application/json");
        payload = JSON.stringify(body);
      }
    }
    headers.set("Authorization", `Bearer ${token}`);

    const response = await callFetch(fetchImplementation, url, {
      method,
      headers,
      body: payload,
      signal: options?.signal,
    });
    return this.#read(response, url);
  }

  // The answer's JSON, or its text when it is not JSON, or undefined when empty.
  async #read(response, url) {
    const text = await response.text();
    let body;
    if (text.trim().length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (!response.ok) {
      throw new RestApiClientError(`Request to ${url} failed with status ${response.status} ${response.statusText}`, {
        status: response.status,
        statusText: response.statusText,
        url,
        body,
      });
    }
    return body;
  }
}
