// Usage: node call-all.mjs <mcp endpoint url> <calls.json>
// Lists the tools (so that the client knows every outputSchema) and calls each one in calls.json
// ([{"tool": "x", "arguments": {...}}]) with the TypeScript SDK client, which validates structuredContent against the
// advertised outputSchema with JSON Schema formats (Ajv + ajv-formats). Prints one JSON line with each outcome.
import { readFileSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.argv[2]);
const calls = JSON.parse(readFileSync(process.argv[3], "utf8"));
const client = new Client({ name: "ts-call-all", version: "1.0.0" });
await client.connect(new StreamableHTTPClientTransport(url));
const tools = (await client.listTools()).tools;

const outcomes = [];
for (const { tool, arguments: args } of calls) {
  try {
    const result = await client.callTool({ name: tool, arguments: args });
    outcomes.push({
      tool,
      ok: !result.isError,
      text: result.content?.[0]?.text ?? null,
      structured: result.structuredContent ?? null,
    });
  } catch (e) {
    outcomes.push({ tool, ok: false, code: e.code ?? null, error: String(e.message ?? e) });
  }
}

console.log(JSON.stringify({ tools: tools.map(t => t.name).sort(), outcomes }));
await client.close();
