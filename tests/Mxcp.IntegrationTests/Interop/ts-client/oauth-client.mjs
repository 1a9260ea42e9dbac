// The official TypeScript SDK client signing in to Mxcp through its OAuth support, as a real MCP client would:
// discovery from the 401's resource_metadata, dynamic registration, PKCE, the user's login at the identity provider
// (driven here by plain HTTP: redirects, cookies, the provider's login and consent forms), the code exchange, calls,
// and a refresh when its access token stops working.
//   node oauth-client.mjs <mcp url> <login>
// Prints one JSON line with what it saw.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [serverUrl, login] = process.argv.slice(2);
const redirectUrl = 'http://127.0.0.1:9/oauth/callback';
const saved = {};
const seen = { logins: 0, states: [] };
let redirect;

const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return { client_name: 'ts-sdk-oauth', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  },
  state() { return 'ts-state-' + seen.logins; },
  clientInformation() { return saved.client; },
  saveClientInformation(info) { saved.client = info; },
  tokens() { return saved.tokens; },
  saveTokens(tokens) { saved.tokens = tokens; },
  saveCodeVerifier(verifier) { saved.verifier = verifier; },
  codeVerifier() { return saved.verifier; },
  async redirectToAuthorization(url) {
    seen.logins++;
    redirect = await browserLogin(url, login, redirectUrl);
  },
};

async function browserLogin(start, user, stopAt) {
  const cookies = new Map();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response) => {
    for (const c of response.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1));
    }
  };
  let url = new URL(start);
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader() } });
    remember(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url);
      if (url.href.startsWith(stopAt)) return url;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html);
    const prompt = /name="prompt" value="([^"]+)"/.exec(html);
    if (response.status !== 200 || !action || !prompt) throw new Error(`login stopped at ${url}: ${response.status} ${html.slice(0, 300)}`);
    const form = new URLSearchParams({ prompt: prompt[1] });
    if (prompt[1] === 'login') { form.set('login', user); form.set('password', 'any'); }
    const submitted = await fetch(new URL(action[1].replaceAll('&amp;', '&'), url), {
      method: 'POST', redirect: 'manual', body: form, headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    remember(submitted);
    url = new URL(submitted.headers.get('location'), url);
    if (url.href.startsWith(stopAt)) return url;
  }
  throw new Error('login did not finish');
}

async function connect() {
  const client = new Client({ name: 'ts-oauth', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
    return client;
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    seen.states.push(redirect.searchParams.get('state'));
    const transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider });
    await transport.finishAuth(redirect.searchParams.get('code'));
    const retry = new Client({ name: 'ts-oauth', version: '1.0.0' });
    await retry.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider }));
    return retry;
  }
}

const text = (result) => result.content.map((c) => c.text).join(' ');
const client = await connect();
const tools = (await client.listTools()).tools.map((t) => t.name).sort();
const who = await client.callTool({ name: 'whoami', arguments: {} });
const python = await client.callTool({ name: 'py_whoami', arguments: {} });
const denied = await client.callTool({ name: 'admin_only', arguments: {} });
await client.close();

// The access token stops working: the client refreshes it without a new login.
const firstAccess = saved.tokens.access_token;
saved.tokens = { ...saved.tokens, access_token: 'mcp_' + '0'.repeat(64) };
const again = await connect();
const whoAgain = await again.callTool({ name: 'whoami', arguments: {} });
await again.close();

console.log(JSON.stringify({
  registered: Boolean(saved.client?.client_id),
  authMethod: saved.client?.token_endpoint_auth_method,
  logins: seen.logins,
  states: seen.states,
  tools,
  who: who.structuredContent,
  python: python.structuredContent ?? JSON.parse(text(python)),
  denied: { isError: denied.isError, text: text(denied) },
  refreshed: saved.tokens.access_token !== firstAccess && saved.tokens.access_token.startsWith('mcp_'),
  whoAgain: whoAgain.structuredContent,
}));
