// Drives switchboard with the official TypeScript MCP clients:
// @modelcontextprotocol/client 2.4 (v2, both eras) or @modelcontextprotocol/sdk 1.32 (v1, legacy).
// Usage: node ts_client.mjs v2|v1 legacy|auto|modern (--stdio BIN APP_DIR | --url URL)
// Must be run from a folder whose node_modules holds those packages.
const [sdk, mode, how, ...rest] = process.argv.slice(2);

const check = (condition, what, detail = '') => {
  if (!condition) {
    console.error(`FAILED: ${what} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
};
const textOf = (result) => result.content.filter((block) => block.type === 'text').map((block) => block.text).join('');

let client;
let transport;
if (sdk === 'v2') {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
  const versionNegotiation = mode === 'modern' ? { mode: { pin: '2026-07-28' } } : { mode };
  client = new Client({ name: 'switchboard-test', version: '0' }, { versionNegotiation });
  transport = how === '--stdio'
    ? new StdioClientTransport({ command: rest[0], args: ['mcp', rest[1]], env: { ...process.env }, stderr: 'ignore' })
    : new StreamableHTTPClientTransport(new URL(rest[0]));
} else {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  client = new Client({ name: 'switchboard-test', version: '0' });
  transport = how === '--stdio'
    ? new StdioClientTransport({ command: rest[0], args: ['mcp', rest[1]], env: { ...process.env }, stderr: 'ignore' })
    : new StreamableHTTPClientTransport(new URL(rest[0]));
}

await client.connect(transport);
const { tools } = await client.listTools();
check(JSON.stringify(tools.map((tool) => tool.name)) === JSON.stringify(['count', 'fails', 'greet', 'link-company', 'slow', 'spin']), 'tools/list', tools.map((t) => t.name));
const greet = tools.find((tool) => tool.name === 'greet');
check(greet.inputSchema.type === 'object' && greet.inputSchema.required[0] === 'name', 'greet input schema');
check(greet.annotations?.readOnlyHint === true, 'annotations');

let result = await client.callTool({ name: 'greet', arguments: { name: 'Ada' } });
check(!result.isError && result.structuredContent.greeting === 'Hello, Ada!', 'greet succeeds', result);
result = await client.callTool({ name: 'greet', arguments: { times: 0 } });
check(result.isError && textOf(result).includes('"name" is a required property') && textOf(result).includes('/times'), 'argument validation', textOf(result));
result = await client.callTool({ name: 'fails', arguments: {} });
check(result.isError && textOf(result).startsWith('TypeError: the CRM said no'), 'thrown error', textOf(result));
result = await client.callTool({ name: 'spin', arguments: {} });
check(result.isError && textOf(result).includes('TimeoutError'), 'timeout', textOf(result));
result = await client.callTool({ name: 'count', arguments: { items: ['x'] } });
check(!result.isError && result.structuredContent.result === 1, 'next call succeeds; wrapped result', result);
let failed = false;
try {
  await client.callTool({ name: 'nope', arguments: {} });
} catch (error) {
  failed = String(error).includes('Unknown tool');
}
check(failed, 'unknown tool is a JSON-RPC error');
await client.close();
console.log('all checks passed');
process.exit(0);
