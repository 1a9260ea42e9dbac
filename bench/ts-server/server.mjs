// The TypeScript peer of bench/run.sh: what a TypeScript team would write instead of Mxcp for the same catalog.
//
//   node server.mjs --catalog catalog.json --database bench.duckdb [--port 0] [--stateless]
//
// @modelcontextprotocol/sdk (low-level Server with tools/list and tools/call handlers, Streamable HTTP transport on
// node:http) and @duckdb/node-api (a pool of connections on one read-only instance). Written for throughput, not as
// a straw man: tool definitions and JSON schemas are built once, each call checks its arguments' JSON types, binds
// integers as BIGINT and returns the rows as JSON text. Stateless mode creates a server and transport per request (the
// SDK's documented stateless pattern); stateful mode keeps one per session, created by initialize.
// Prints "Listening on http://127.0.0.1:PORT/mcp" once it serves.

import http from 'node:http';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { DuckDBInstance } from '@duckdb/node-api';

function parseArguments(argv) {
  const options = { port: 0, stateless: false };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--catalog': options.catalog = argv[++i]; break;
      case '--database': options.database = argv[++i]; break;
      case '--port': options.port = Number(argv[++i]); break;
      case '--stateless': options.stateless = true; break;
      default: throw new Error(`Unknown argument '${argv[i]}'. Usage: --catalog FILE --database FILE [--port N] [--stateless]`);
    }
  }
  if (!options.catalog || !options.database) {
    throw new Error('Usage: node server.mjs --catalog FILE --database FILE [--port N] [--stateless]');
  }
  return options;
}

const options = parseArguments(process.argv.slice(2));
const catalog = JSON.parse(readFileSync(options.catalog, 'utf8'));
const tools = catalog.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema }));
const entries = new Map(catalog.tools.map((t) => [t.name, t]));

// A connection pool like Mxcp's: max(10, 2 x CPUs) connections, callers wait for a free one.
const instance = await DuckDBInstance.create(options.database, { access_mode: 'READ_ONLY' });
const poolSize = Math.max(10, 2 * os.availableParallelism());
const idle = [];
for (let i = 0; i < poolSize; i++) {
  idle.push(await instance.connect());
}
const waiting = [];

async function withConnection(work) {
  const connection = idle.pop() ?? await new Promise((resolve) => waiting.push(resolve));
  try {
    return await work(connection);
  } finally {
    const next = waiting.shift();
    if (next) {
      next(connection);
    } else {
      idle.push(connection);
    }
  }
}

function toJson(_key, value) {
  if (typeof value === 'bigint') {
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  }
  return value;
}

async function callTool(name, args) {
  const entry = entries.get(name);
  if (!entry) {
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
  }
  if (entry.language !== 'sql') {
    return { isError: true, content: [{ type: 'text', text: `${entry.language} tools are not served by the TypeScript server` }] };
  }
  const values = {};
  for (const parameter of entry.parameters) {
    const value = args?.[parameter.name];
    if (parameter.type === 'integer' && Number.isInteger(value)) {
      values[parameter.name] = BigInt(value);
    } else if (parameter.type === 'string' && typeof value === 'string') {
      values[parameter.name] = value;
    } else {
      throw new McpError(ErrorCode.InvalidParams, `Argument '${parameter.name}' must be of type ${parameter.type}`);
    }
  }
  const rows = await withConnection(async (connection) => {
    const reader = await connection.runAndReadAll(entry.source, values);
    return reader.getRowObjectsJS();
  });
  return { content: [{ type: 'text', text: JSON.stringify(rows, toJson) }] };
}

function createServer() {
  const server = new Server({ name: 'ts-bench-server', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => callTool(request.params.name, request.params.arguments));
  return server;
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function fail(response, status, message) {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } }));
}

const sessions = new Map();

async function handle(request, response) {
  if (!request.url.startsWith('/mcp')) {
    return fail(response, 404, 'Not found');
  }
  const body = request.method === 'POST' ? await readBody(request) : undefined;
  if (options.stateless) {
    if (request.method !== 'POST') {
      return fail(response, 405, 'Method not allowed');
    }
    const server = createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    return transport.handleRequest(request, response, body);
  }

  const sessionId = request.headers['mcp-session-id'];
  if (sessionId) {
    const transport = sessions.get(sessionId);
    return transport ? transport.handleRequest(request, response, body) : fail(response, 404, 'Session not found');
  }
  if (request.method !== 'POST' || !isInitializeRequest(body)) {
    return fail(response, 400, 'Bad Request: a new session can only be created by an initialize request');
  }
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => sessions.set(id, transport),
  });
  transport.onclose = () => {
    if (transport.sessionId) {
      sessions.delete(transport.sessionId);
    }
  };
  await createServer().connect(transport);
  return transport.handleRequest(request, response, body);
}

const httpServer = http.createServer((request, response) => {
  handle(request, response).catch((error) => {
    if (!response.headersSent) {
      fail(response, 500, String(error?.message ?? error));
    } else {
      response.end();
    }
  });
});
httpServer.keepAliveTimeout = 60_000;
httpServer.listen(options.port, '127.0.0.1', () => {
  console.log(`Listening on http://127.0.0.1:${httpServer.address().port}/mcp`);
});

function shutdown() {
  httpServer.close();
  for (const transport of sessions.values()) {
    transport.close();
  }
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
