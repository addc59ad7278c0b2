// End-to-end check of provider.mjs + consent.mjs without switchboard.
//
//   node tests/oauth/selfcheck.mjs        (exits 0 when every check passes)
//
// A tiny local "client" server plays the gateway's callback: on ?code=... it
// redeems the code (PKCE, client_secret_basic) and calls the resource server.
// The script then checks refresh, access token expiry, RFC 7009 revocation,
// /admin/revoke-grants, --deny and the PKCE requirement.

import http from 'node:http';
import crypto from 'node:crypto';
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import readline from 'node:readline';

const here = fileURLToPath(new URL('.', import.meta.url));
const CLIENT_ID = 'selfcheck-client';
const CLIENT_SECRET = 'selfcheck-secret';
const TTL = 2; // short access tokens, so expiry is observable

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) passed += 1; else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || detail === undefined ? '' : ` -- ${JSON.stringify(detail)}`}`);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const basic = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;

// --- fake gateway callback --------------------------------------------------
const pending = new Map(); // state -> { verifier, nonce }
let meta; // provider.mjs output line

async function form(url, fields, { auth = 'basic' } = {}) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = new URLSearchParams(fields);
  if (auth === 'basic') headers.authorization = basic;
  else { body.set('client_id', CLIENT_ID); body.set('client_secret', CLIENT_SECRET); }
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, json };
}

async function callResource(token) {
  const res = await fetch(meta.resource, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

const client = http.createServer(async (req, res) => {
  const q = new URL(req.url, 'http://x').searchParams;
  const reply = (obj) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
  if (q.get('error')) return reply({ error: q.get('error'), error_description: q.get('error_description') });
  const flow = pending.get(q.get('state'));
  if (!flow) return reply({ error: 'unknown state' });
  const token = await form(meta.token_endpoint, {
    grant_type: 'authorization_code',
    code: q.get('code'),
    redirect_uri: redirectUri,
    code_verifier: flow.verifier,
  });
  const me = token.status === 200 ? await callResource(token.json.access_token) : undefined;
  return reply({ iss: q.get('iss'), token, me });
});
client.listen(0, '127.0.0.1');
await once(client, 'listening');
const redirectUri = `http://127.0.0.1:${client.address().port}/auth/apps/callback`;

// --- provider ---------------------------------------------------------------
const provider = spawn(process.execPath, [`${here}provider.mjs`], {
  env: {
    ...process.env,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_REDIRECT_URI: redirectUri,
    OIDC_ACCESS_TOKEN_TTL: String(TTL),
  },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const firstLine = readline.createInterface({ input: provider.stdout });
const [line] = await Promise.race([
  once(firstLine, 'line'),
  once(provider, 'exit').then(([code]) => { throw new Error(`provider.mjs exited (${code})`); }),
]);
meta = JSON.parse(line);
console.log(`provider: ${line}`);

function authorizeUrl({ scope = 'openid email profile api:read', prompt, pkce = true } = {}) {
  const state = b64url(crypto.randomBytes(12));
  const verifier = b64url(crypto.randomBytes(32));
  const nonce = b64url(crypto.randomBytes(12));
  pending.set(state, { verifier, nonce });
  const u = new URL(meta.authorization_endpoint);
  u.search = new URLSearchParams({
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri, scope, state, nonce,
    ...(pkce ? { code_challenge: b64url(crypto.createHash('sha256').update(verifier).digest()), code_challenge_method: 'S256' } : {}),
    ...(prompt ? { prompt } : {}),
  });
  return { url: u.href, nonce };
}

const run = promisify(execFile);
async function consent(url, ...extra) {
  const { stdout } = await run(process.execPath, [`${here}consent.mjs`, url, ...extra]);
  const out = JSON.parse(stdout);
  return { ...out, body: JSON.parse(out.body) };
}

const jwtClaims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

try {
  // 1. Plain login: no offline_access, no prompt. Refresh token still issued.
  const a = authorizeUrl();
  const r1 = await consent(a.url, 'ada');
  const t1 = r1.body.token;
  check('callback answered 200', r1.status === 200, r1);
  check('callback carries iss', r1.body.iss === meta.issuer, r1.body.iss);
  check('code exchange with Basic auth', t1.status === 200 && t1.json.token_type === 'Bearer', t1);
  check('refresh token issued without offline_access', typeof t1.json.refresh_token === 'string', t1.json);
  check('scope includes api:read', t1.json.scope?.split(' ').includes('api:read'), t1.json.scope);
  const id = jwtClaims(t1.json.id_token);
  check('id_token has email, username and nonce',
    id.email === 'ada@example.test' && id.preferred_username === 'ada' && id.sub === 'ada' && id.nonce === a.nonce, id);
  check('resource /me accepts the token',
    r1.body.me?.status === 200 && r1.body.me.json.sub === 'ada' && r1.body.me.json.client_id === CLIENT_ID, r1.body.me);
  const last = await (await fetch(new URL('/last-authorization', meta.resource))).json();
  check('/last-authorization records the bearer', last.authorization === `Bearer ${t1.json.access_token}`, last);
  const bad = await callResource('nope');
  check('unknown token is 401 invalid_token', bad.status === 401 && bad.json.error === 'invalid_token', bad);

  // 2. Expiry, then refresh (client_secret_post this time).
  await sleep((TTL + 1) * 1000);
  const expired = await callResource(t1.json.access_token);
  check('expired access token is 401', expired.status === 401, expired);
  const ref = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: t1.json.refresh_token }, { auth: 'post' });
  check('refresh with client_secret_post', ref.status === 200 && ref.json.access_token, ref);
  check('refreshed token works', (await callResource(ref.json.access_token)).status === 200);
  const rt = ref.json.refresh_token ?? t1.json.refresh_token; // not rotated by default

  // 3. RFC 7009 revocation of the refresh token, then refresh fails.
  const rev = await fetch(meta.revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams({ token: rt, token_type_hint: 'refresh_token' }),
  });
  check('revocation endpoint answers 200', rev.status === 200, rev.status);
  const ref2 = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: rt });
  check('refresh after revocation is invalid_grant', ref2.status === 400 && ref2.json.error === 'invalid_grant', ref2);
  check('access token of the revoked grant is 401', (await callResource(ref.json.access_token)).status === 401);

  // 4. offline_access + prompt=consent also works; /admin/revoke-grants kills refresh.
  const b = authorizeUrl({ scope: 'openid email offline_access', prompt: 'consent' });
  const r2 = await consent(b.url, 'grace');
  check('second login (offline_access, prompt=consent)',
    r2.body.token?.status === 200 && r2.body.token.json.refresh_token && r2.body.me?.json.sub === 'grace', r2.body);
  const ok = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: r2.body.token.json.refresh_token });
  check('refresh before admin revoke', ok.status === 200, ok);
  const adm = await (await fetch(new URL('/admin/revoke-grants', meta.resource), { method: 'POST' })).json();
  check('/admin/revoke-grants revoked something', adm.revoked >= 1, adm);
  const gone = await form(meta.token_endpoint, { grant_type: 'refresh_token', refresh_token: r2.body.token.json.refresh_token });
  check('refresh after admin revoke is invalid_grant', gone.status === 400 && gone.json.error === 'invalid_grant', gone);
  check('access token after admin revoke is 401', (await callResource(ok.json.access_token)).status === 401);

  // 5. --deny -> error=access_denied at the callback.
  const r3 = await consent(authorizeUrl().url, 'ada', '--deny');
  check('--deny gives access_denied', r3.body.error === 'access_denied', r3.body);

  // 6. PKCE is required: no code_challenge -> error at the callback, no login page.
  const r4 = await consent(authorizeUrl({ pkce: false }).url);
  check('missing PKCE is rejected', r4.body.error === 'invalid_request', r4.body);
} catch (err) {
  check('no exception', false, String(err?.stack ?? err));
} finally {
  provider.kill('SIGTERM');
  client.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
