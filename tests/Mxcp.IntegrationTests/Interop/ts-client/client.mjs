// Usage: node client.mjs <mcp endpoint url>
// Connects with the TypeScript SDK's Streamable HTTP client and prints one JSON object with what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const client = new Client({ name: "ts-interop", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);

const tools = await client.listTools();
const call = await client.callTool({ name: "top_products", arguments: { since: "2024-01-01", limit: 2 } });
const invalid = await client.callTool({ name: "top_products", arguments: { since: "not a date" } });
const resource = await client.readResource({ uri: "sales://customers/42" });
const templates = await client.listResourceTemplates();
const prompt = await client.getPrompt({ name: "customer_review", arguments: { customer_id: "42", tone: "brief" } });

console.log(JSON.stringify({
  protocolVersion: transport.protocolVersion ?? null,
  sessionId: transport.sessionId ?? null,
  tools: tools.tools.map(t => t.name).sort(),
  topProducts: call.structuredContent?.result?.length ?? null,
  callIsError: call.isError ?? false,
  invalidIsError: invalid.isError ?? false,
  invalidText: invalid.content?.[0]?.text ?? null,
  customerId: JSON.parse(resource.contents[0].text).customer_id,
  templates: templates.resourceTemplates.map(t => t.uriTemplate),
  promptMessages: prompt.messages.length,
}));
await client.close();
