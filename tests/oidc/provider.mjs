// provider.mjs — a real OpenID provider (node-oidc-provider, pinned in package.json) on
// loopback for tests/e2e/test_oidc.py. Usage:
//   node tests/oidc/provider.mjs PORT KEYFILE REDIRECT_BASE
// PORT: where it listens (issuer http://127.0.0.1:PORT); KEYFILE: its private signing key
// (a JWK; made with a new kid when missing, so a restart with another file rotates the
// key); REDIRECT_BASE: algoreg's address, for the registered redirect, post-logout and
// back-channel logout URIs of the client "algoreg".
//
// Users: alice (group algoreg-editor), paula (algoreg-approver), bob (no group algoreg
// maps). The sign-in interaction takes the user from login_hint without a form, so the
// test needs no browser. GET /__test/mode?set=M makes the token endpoint hand out a
// broken ID token, re-signed with the provider's own key: aud (another audience), expired,
// future (issued ten minutes ahead: clock skew), nonce (another nonce), tamper (a byte
// of the signature changed), none; set= with nothing restores honest answers.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, importJWK, exportJWK, generateKeyPair, decodeJwt, decodeProtectedHeader } from 'jose';

const [port, keyFile, redirectBase] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

let jwk;
if (existsSync(keyFile)) {
  jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
} else {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  jwk = { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
  writeFileSync(keyFile, JSON.stringify(jwk), { mode: 0o600 });
}
const signingKey = await importJWK(jwk, 'RS256');

const users = {
  alice: { preferred_username: 'alice', email: 'alice@politie.example', groups: ['algoreg-editor'] },
  paula: { preferred_username: 'paula', email: 'paula@politie.example', groups: ['algoreg-approver', 'staff'] },
  bob: { preferred_username: 'bob', email: 'bob@example.org', groups: ['staff'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'algoreg',
    client_secret: 'algoreg-test-secret',
    redirect_uris: [`${redirectBase}/login/oidc/idp/callback`],
    post_logout_redirect_uris: [`${redirectBase}/`],
    backchannel_logout_uri: `${redirectBase}/login/oidc/idp/backchannel-logout`,
    backchannel_logout_session_required: true,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email'], groups: ['groups'] },
  scopes: ['openid', 'profile', 'email', 'groups'],
  conformIdTokenClaims: false, // the scopes' claims in the ID token, as Keycloak does
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true, methods: ['S256'] },
  findAccount: async (ctx, id) => users[id] && ({
    accountId: id,
    async claims() { return { sub: id, ...users[id] }; },
  }),
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['algoreg-test-cookie-key'] },
  ttl: { IdToken: 3600, AccessToken: 3600, AuthorizationCode: 600, Session: 86400, Grant: 86400, Interaction: 600 },
});
provider.proxy = false;

let mode = '';
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/token' || ctx.status !== 200 || !mode || !ctx.body?.id_token) return;
  const tok = ctx.body.id_token;
  const claims = decodeJwt(tok);
  const header = decodeProtectedHeader(tok);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'tamper') {
    const parts = tok.split('.');
    const sig = Buffer.from(parts[2], 'base64url');
    sig[10] ^= 0x01;
    ctx.body.id_token = `${parts[0]}.${parts[1]}.${sig.toString('base64url')}`;
    return;
  }
  if (mode === 'none') {
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    ctx.body.id_token = `${enc({ alg: 'none' })}.${enc(claims)}.`;
    return;
  }
  if (mode === 'aud') claims.aud = 'someone-else';
  if (mode === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  if (mode === 'future') { claims.iat = now + 600; claims.exp = now + 4200; }
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-you-sent';
  ctx.body.id_token = await new SignJWT(claims).setProtectedHeader(header).sign(signingKey);
});

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/__test/mode') {
      mode = url.searchParams.get('set') || '';
      res.end(`mode ${mode || 'honest'}\n`);
      return;
    }
    if (url.pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const who = details.params.login_hint;
      if (!users[who]) {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown user' });
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: who } }, { mergeWithLastSubmission: false });
      return;
    }
    callback(req, res);
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`listening ${issuer}\n`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
