// Twenty's local driver model: every request starts a new node process that
// imports the handler and runs it once. Usage: node node_per_request.mjs PORT
import http from 'node:http';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./runner.mjs', import.meta.url));

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const match = url.pathname.match(/^\/s\/hello\/([^/]+)$/);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const event = JSON.stringify({ pathParameters: { name: decodeURIComponent(match[1]) } });
    execFile(process.execPath, [runner, event], (error, stdout) => {
      if (error) {
        res.writeHead(500).end(String(error));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(stdout);
    });
  })
  .listen(Number(process.argv[2]), '127.0.0.1');
