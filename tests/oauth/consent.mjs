// Drives oidc-provider's dev login + consent pages without a browser.
//
//   node tests/oauth/consent.mjs <authorizeUrl> [login] [--deny] [--cookie NAME=VALUE] [--no-callback]
//
// Follows redirects by hand (cookies kept in a jar keyed by name), signs in as
// `login` (default "ada"; any name works, the password is ignored), approves
// consent, and stops at the first redirect that leaves the provider's origin:
// that is the client's redirect_uri. It then GETs that URL once (not following
// any redirect the callback answers with) and prints one JSON line:
//   {"callback": <url>, "status": <http status>, "body": <response text>, "location": <Location or null>}
// With --deny it cancels at the first page, so the callback gets error=access_denied.
// With --no-callback it prints {"callback": <url>} without calling it.
// With --cookie the callback request carries that cookie (the gateway's own,
// set when the flow started in this "browser").
// Exits 1 with a message on stderr on any page it does not expect.

const args = process.argv.slice(2);
const deny = args.includes('--deny');
const noCallback = args.includes('--no-callback');
const cookieIndex = args.indexOf('--cookie');
const gatewayCookie = cookieIndex >= 0 ? args[cookieIndex + 1] : undefined;
const [authorizeUrl, login = 'ada'] = args.filter((a, i) => a !== '--deny' && a !== '--no-callback' && (cookieIndex < 0 || (i !== cookieIndex && i !== cookieIndex + 1)));
if (!authorizeUrl) {
  console.error('usage: node consent.mjs <authorizeUrl> [login] [--deny]');
  process.exit(2);
}

function fail(message) {
  console.error(`consent.mjs: ${message}`);
  process.exit(1);
}

const origin = new URL(authorizeUrl).origin;
const jar = new Map(); // cookie name -> value

function storeCookies(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k, v] = a.trim().split('=');
      if (k.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k.toLowerCase() === 'expires') return Date.parse(v) <= Date.now();
      return false;
    });
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

async function request(url, options = {}) {
  const headers = { ...options.headers };
  if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(url, { ...options, headers, redirect: 'manual' });
  storeCookies(res);
  return res;
}

// Pulls the action URL of the page's form and the value of its hidden `prompt` field.
function readForm(html, pageUrl) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
  const abort = /<a href="([^"]+\/abort)"/.exec(html)?.[1];
  const resolve = (u) => u && new URL(u.replaceAll('&amp;', '&'), pageUrl).href;
  return { action: resolve(action), prompt, abort: resolve(abort) };
}

let url = authorizeUrl;
let res = await request(url);
let callback;
for (let step = 0; step < 20 && !callback; step += 1) {
  if (res.status >= 300 && res.status < 400) {
    const next = new URL(res.headers.get('location') ?? fail(`redirect without Location from ${url}`), url);
    if (next.origin !== origin) {
      callback = next.href;
      break;
    }
    url = next.href;
    res = await request(url);
    continue;
  }
  const html = await res.text();
  if (res.status !== 200) fail(`unexpected ${res.status} from ${url}: ${html.slice(0, 500)}`);
  const form = readForm(html, url);
  if (deny) {
    if (!form.abort) fail(`no cancel link on ${url}`);
    url = form.abort;
    res = await request(url);
    continue;
  }
  let fields;
  if (form.prompt === 'login') fields = { prompt: 'login', login, password: 'any' };
  else if (form.prompt === 'consent') fields = { prompt: 'consent' };
  else fail(`unexpected page at ${url}: ${html.slice(0, 500)}`);
  if (!form.action) fail(`no form action on ${url}`);
  url = form.action;
  res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}
if (!callback) fail(`did not reach the redirect_uri (last page ${url})`);

if (noCallback) {
  console.log(JSON.stringify({ callback }));
  process.exit(0);
}

// The callback belongs to the client (the gateway): send no provider cookies there.
const cb = await fetch(callback, { redirect: 'manual', headers: gatewayCookie ? { cookie: gatewayCookie } : {} })
  .catch((err) => fail(`callback ${callback} unreachable: ${err.cause?.message ?? err.message}`));
const body = await cb.text();
console.log(JSON.stringify({
  callback, status: cb.status, body, location: cb.headers.get('location'),
}));
