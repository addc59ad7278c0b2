// The same greeting tool on the official TypeScript SDK (@modelcontextprotocol/sdk
// 1.32), stateless Streamable HTTP with JSON responses, following the SDK's own
// stateless example (a server and transport per request) on node:http.
// Usage: node ts_server.mjs PORT (from a folder whose node_modules has the SDK).
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const makeServer = () => {
  const server = new McpServer({ name: 'bench-typescript', version: '1.0.0' });
  server.tool('greet', 'Returns a greeting', { name: z.string() }, async ({ name }) => ({
    content: [{ type: 'text', text: `Hello, ${name}!` }],
  }));
  return server;
};

http
  .createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
