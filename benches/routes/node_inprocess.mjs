// Upper bound for a JavaScript route: the same handler called in-process by
// one Node http server (no sandbox, no isolation). Usage: node node_inprocess.mjs PORT
import http from 'node:http';

const handler = async (event) => ({ message: `Hello, ${event.pathParameters.name}!` });

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const match = url.pathname.match(/^\/s\/hello\/([^/]+)$/);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const event = {
      headers: {}, queryStringParameters: Object.fromEntries(url.searchParams), pathParameters: { name: decodeURIComponent(match[1]) },
      body: null, isBase64Encoded: false, requestContext: { http: { method: req.method, path: url.pathname } }, userWorkspaceId: null,
    };
    const result = await handler(event);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
