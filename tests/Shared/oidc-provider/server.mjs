// An OpenID Connect provider on 127.0.0.1 for Mxcp's tests. Prints one JSON line {"issuer", "port"} when listening.
//   node server.mjs [--realm NAME] [--access-ttl SECONDS] [--no-introspection]
// With --realm, the endpoints are Keycloak's: /realms/NAME/protocol/openid-connect/{auth,token,userinfo,certs,...}.
// Any login and password sign in; the login is the user's sub. Users whose login starts with "admin" have role admin.
// Test-only routes: POST /test/sign {claims, key: "provider"|"other"} signs a JWT with the provider's (or another) key.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const realm = option('--realm', null);
const accessTtl = Number(option('--access-ttl', '3600'));
const introspection = !args.includes('--no-introspection');
const clientId = option('--client-id', 'mxcp-test');
const clientSecret = option('--client-secret', 'mxcp-test-client-secret-0123456789');

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const signing = await jose.generateKeyPair('RS256', { extractable: true });
const other = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(signing.privateKey)), kid: 'provider-key', alg: 'RS256', use: 'sig' };

const base = realm ? `/realms/${realm}/protocol/openid-connect` : '';
const routes = realm ? {
  authorization: `${base}/auth`,
  token: `${base}/token`,
  userinfo: `${base}/userinfo`,
  jwks: `${base}/certs`,
  revocation: `${base}/revoke`,
  introspection: `${base}/token/introspect`,
  end_session: `${base}/logout`,
} : {};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    // Native loopback clients may use any port (RFC 8252): Mxcp's test servers listen on port 0.
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback', 'http://127.0.0.1/oidc/callback', 'http://127.0.0.1/keycloak/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['mxcp-test-cookie-key'] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'mcp:read'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'role', 'groups'],
  },
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({
      sub: id,
      email: `${id}@example.com`,
      email_verified: true,
      name: `User ${id}`,
      preferred_username: id,
      role: id.startsWith('admin') ? 'admin' : 'user',
      groups: id.startsWith('admin') ? ['staff', 'admins'] : ['staff'],
    }),
  }),
  features: {
    devInteractions: { enabled: true },
    introspection: { enabled: introspection },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // A `resource` parameter asks for a JWT access token for that audience; without one the token is opaque.
      getResourceServerInfo: async (_ctx, resource) => ({
        scope: 'mcp:read',
        audience: resource,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
      useGrantedResource: async () => true,
    },
  },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  pkce: { required: () => false },
  ttl: { AccessToken: accessTtl, AuthorizationCode: 300, Grant: 3600, IdToken: 3600, Interaction: 600, Session: 3600, RefreshToken: 86400 },
  routes,
});

const callback = provider.callback();
server.on('request', async (req, res) => {
  if (req.method === 'POST' && req.url === '/test/sign') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { claims, key } = JSON.parse(body);
    const signer = key === 'other' ? other.privateKey : signing.privateKey;
    const token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'provider-key', typ: 'at+jwt' })
      .sign(signer);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(token);
    return;
  }
  callback(req, res);
});

process.stdout.write(JSON.stringify({ issuer, port, clientId, clientSecret, configUrl: `${issuer}/.well-known/openid-configuration` }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
