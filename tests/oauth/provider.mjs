// Test OpenID Connect provider + resource server for switchboard's OAuth tests.
//
// Wraps the real `oidc-provider` package (installed by scripts/install-test-peers.sh
// into $SWITCHBOARD_PEERS/oidc). Run: `node tests/oauth/provider.mjs`.
//
// Env:
//   SWITCHBOARD_PEERS        peers folder (else SWITCHBOARD_PEERS_DIR, else /var/tmp/switchboard-peers)
//   OIDC_CLIENT_ID           confidential client id       (default switchboard)
//   OIDC_CLIENT_SECRET       its secret                   (default switchboard-secret)
//   OIDC_REDIRECT_URI        the only allowed redirect_uri; when unset, it is given
//                            later with POST /admin/redirect-uri (the authorization
//                            server answers 503 until then)
//   OIDC_ACCESS_TOKEN_TTL    access token lifetime, seconds (default 3600)
//   OIDC_ROTATE_REFRESH_TOKEN  "1": every refresh returns a new refresh token and
//                            consumes the old one (default: keep the same one)
//   OIDC_EXIT_ON_STDIN_EOF   "0" disables exiting when a piped stdin closes
//
// Prints one JSON line on stdout once both servers listen:
//   {"issuer","authorization_endpoint","token_endpoint","revocation_endpoint","resource"}
// then runs until killed (SIGTERM/SIGINT) or until a piped stdin closes.
//
// Resource server (same process, other port):
//   GET  /me                  Bearer <access token> -> 200 {sub, scope, client_id} | 401 {error}
//   GET  /last-authorization  -> {authorization: <last Authorization header on /me or null>, count}
//   POST /admin/revoke-grants -> revokes every grant issued so far (its refresh and
//                                access tokens too) -> {revoked: n}
//   POST /admin/redirect-uri  body: the redirect_uri, when OIDC_REDIRECT_URI was not
//                             set (for a client whose port is known only once it
//                             listens) -> {redirect_uri}

import http from 'node:http';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

// oidc-provider prints some notices with console.info (stdout); keep stdout for our JSON line.
console.log = console.info = (...args) => console.error(...args);

const env = process.env;
const peers = env.SWITCHBOARD_PEERS || env.SWITCHBOARD_PEERS_DIR || '/var/tmp/switchboard-peers';
const entry = `${peers}/oidc/node_modules/oidc-provider/lib/index.js`;
if (!fs.existsSync(entry)) {
  console.error(`provider.mjs: ${entry} not found; run scripts/install-test-peers.sh`);
  process.exit(2);
}
const { default: Provider } = await import(pathToFileURL(entry).href);

const clientId = env.OIDC_CLIENT_ID || 'switchboard';
const clientSecret = env.OIDC_CLIENT_SECRET || 'switchboard-secret';
const accessTtl = Number(env.OIDC_ACCESS_TOKEN_TTL || 3600);
const rotate = env.OIDC_ROTATE_REFRESH_TOKEN === '1';

// Bind a server to an ephemeral loopback port before configuring anything,
// because the issuer URL must contain the port.
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

const opServer = http.createServer();
const opPort = await listen(opServer);
const issuer = `http://127.0.0.1:${opPort}`;

// The provider proper, made once the redirect URI is known.
let provider = null;
let providerCallback = null;
// Grants seen so far, for /admin/revoke-grants.
const grantIds = new Set();
function configure(redirectUri) {
  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code', 'refresh_token'],
      // Either basic or post is accepted for a client registered with one of them.
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    // api:read is a plain extra scope: it lands in the access token's scope.
    scopes: ['openid', 'email', 'profile', 'offline_access', 'api:read'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['preferred_username', 'name'],
    },
    // Put scope-granted claims (email...) in the id_token, not only in userinfo.
    conformIdTokenClaims: false,
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.test`,
            email_verified: true,
            preferred_username: id,
            name: id,
          };
        },
      };
    },
    pkce: { required: () => true }, // v9 supports only S256
    features: {
      devInteractions: { enabled: true }, // built-in login + consent pages
      revocation: { enabled: true },
    },
    // Refresh tokens for this client whether or not offline_access was asked for.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => rotate,
    // Tokens outlive the provider's login session (no dependency on its cookie).
    expiresWithSession: () => false,
    ttl: { AccessToken: accessTtl },
    cookies: { keys: ['switchboard-test-cookie-key'] },
  });
  providerCallback = provider.callback();
  provider.on('grant.saved', (grant) => grantIds.add(grant.jti));
}
opServer.on('request', (req, res) => {
  if (providerCallback) return providerCallback(req, res);
  send(res, 503, { error: 'not_configured', error_description: 'POST /admin/redirect-uri to the resource server first' });
});
if (env.OIDC_REDIRECT_URI) configure(env.OIDC_REDIRECT_URI);

async function revokeGrant(id) {
  await Promise.all([
    provider.AccessToken.revokeByGrantId(id),
    provider.RefreshToken.revokeByGrantId(id),
    provider.AuthorizationCode.revokeByGrantId(id),
    provider.Grant.adapter.destroy(id),
  ]);
}

// Valid = found (i.e. not revoked), not expired, and its grant still exists.
// find() alone tolerates clockTolerance (15 s) past exp, hence isExpired.
async function checkToken(value) {
  const token = value && await provider.AccessToken.find(value);
  if (!token || token.isExpired || !token.grantId) return undefined;
  const grant = await provider.Grant.find(token.grantId);
  return grant ? token : undefined;
}

let lastAuthorization = null;
let meCount = 0;

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

const rsServer = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, 'http://x').pathname;
    if (req.method === 'GET' && path === '/me') {
      meCount += 1;
      const header = req.headers.authorization ?? null;
      lastAuthorization = header;
      const m = /^Bearer (\S+)$/i.exec(header ?? '');
      const token = await checkToken(m?.[1]);
      if (!token) {
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        return send(res, 401, { error: 'invalid_token' });
      }
      return send(res, 200, { sub: token.accountId, scope: token.scope, client_id: token.clientId });
    }
    if (req.method === 'GET' && path === '/last-authorization') {
      return send(res, 200, { authorization: lastAuthorization, count: meCount });
    }
    if (req.method === 'POST' && path === '/admin/redirect-uri') {
      let body = '';
      for await (const chunk of req) body += chunk;
      if (provider) return send(res, 409, { error: 'the redirect_uri is already set' });
      if (!/^https?:\/\//.test(body)) return send(res, 400, { error: 'the body must be an http(s) URL' });
      configure(body);
      return send(res, 200, { redirect_uri: body });
    }
    if (req.method === 'POST' && path === '/admin/revoke-grants') {
      const ids = [...grantIds];
      grantIds.clear();
      await Promise.all(ids.map(revokeGrant));
      return send(res, 200, { revoked: ids.length });
    }
    return send(res, 404, { error: 'not_found' });
  } catch (err) {
    console.error('resource server error:', err);
    return send(res, 500, { error: 'server_error' });
  }
});
const rsPort = await listen(rsServer);

process.stdout.write(`${JSON.stringify({
  issuer,
  authorization_endpoint: `${issuer}/auth`,
  token_endpoint: `${issuer}/token`,
  revocation_endpoint: `${issuer}/token/revocation`,
  resource: `http://127.0.0.1:${rsPort}/me`,
})}\n`);

const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// A parent that pipes our stdin can stop us by closing it (or by dying).
// /dev/null or a terminal is ignored, so CI without stdin keeps us running.
let stdinKind;
try { stdinKind = fs.fstatSync(0); } catch { stdinKind = undefined; }
if (env.OIDC_EXIT_ON_STDIN_EOF !== '0' && (stdinKind?.isFIFO() || stdinKind?.isSocket())) {
  process.stdin.on('end', stop).on('error', stop).resume();
}
