// A live OTLP/HTTP receiver for the benchmarks: accepts POST /v1/traces and /v1/metrics (JSON or
// protobuf), reads the whole body, answers 200 with an empty export response and counts what came.
// Started as its own process by bench/peers.mjs; prints "ready <port>"; answers GET /stats with
// { requests, bytes }.
//   node bench/otlp-sink.mjs
import http from 'node:http';

let requests = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ requests, bytes }));
    return;
  }
  req.on('data', (chunk) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    requests++;
    const json = (req.headers['content-type'] ?? '').includes('json');
    res.statusCode = 200;
    res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf');
    res.end(json ? '{}' : '');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
