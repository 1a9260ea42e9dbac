// Usage: node consumer.mjs <mcp endpoint url>
// Lists the tools of an app that serves its own MCP tool next to an MXCP project's, and calls one of each with the
// TypeScript SDK's client. listTools() keeps every tool's outputSchema, and callTool() checks structuredContent against
// it (the call throws when a result does not match), so a call that returns here matched its advertised schema.
// Prints one JSON object with what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const client = new Client({ name: "ts-consumer", version: "1.0.0" });
const transport = new StreamableHTTPClientTransport(url);
await client.connect(transport);

const { tools } = await client.listTools();
const schemaOf = name => tools.find(t => t.name === name)?.outputSchema ?? null;

const call = async (name, args) => {
  try {
    const result = await client.callTool({ name, arguments: args });
    return { isError: result.isError ?? false, structured: result.structuredContent ?? null, text: result.content?.[0]?.text ?? null };
  } catch (e) {
    return { thrown: String(e?.message ?? e) };
  }
};

const host = await call("sum", { numbers: [1, 2, 3] });
const topProducts = await call("top_products", { since: "2024-01-01", limit: 3 });
const customer = await call("get_customer", { customer_id: 42 });

console.log(JSON.stringify({
  protocolVersion: transport.protocolVersion ?? null,
  tools: tools.map(t => t.name).sort(),
  hostSchema: schemaOf("sum"),
  topProductsSchema: schemaOf("top_products"),
  customerSchema: schemaOf("get_customer"),
  host,
  topProducts,
  customer,
}));
await client.close();
