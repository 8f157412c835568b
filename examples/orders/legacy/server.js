'use strict';
// orders-legacy: the orders HTTP API (JSON over node:http, PostgreSQL through pg).
//
// Environment:
//   PORT          port to listen on (required)
//   HOST          address to listen on (default 127.0.0.1)
//   DATABASE_URL  PostgreSQL connection URL (required)
//   PAYMENT_URL   base URL of the payment service (required to pay orders)
//   HTTP_PROXY    optional forward proxy for the calls to the payment service
//
// Prints "orders-legacy listening on http://HOST:PORT" when it accepts connections.

var http = require('http');
var url = require('url');
var db = require('./lib/db');
var routes = require('./lib/routes');

var MAX_BODY_BYTES = 1048576;

if (!process.env.PORT || !process.env.DATABASE_URL) {
  console.error('orders-legacy: PORT and DATABASE_URL must be set');
  process.exit(2);
}

db.connect(process.env.DATABASE_URL);

function send(res, status, body, headers) {
  var out = {};
  var name;
  if (status !== 204) {
    var payload = JSON.stringify(body);
    out['Content-Type'] = 'application/json; charset=utf-8';
    out['Content-Length'] = Buffer.byteLength(payload);
  }
  for (name in headers || {}) out[name] = headers[name];
  res.writeHead(status, out);
  res.end(status === 204 ? undefined : payload);
}

function handle(req, res, raw) {
  var parsed = url.parse(req.url, true);
  var found = routes.match(req.method, parsed.pathname);
  if (!found) {
    return send(res, 404, { error: 'not_found', message: 'no route for ' + req.method + ' ' + parsed.pathname });
  }
  if (found.allow) {
    return send(
      res, 405,
      { error: 'method_not_allowed', message: req.method + ' is not allowed on ' + parsed.pathname },
      { Allow: found.allow }
    );
  }
  var body = {};
  if (raw.length > 0 && (req.method === 'POST' || req.method === 'PATCH')) {
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (e) {
      return send(res, 400, { error: 'invalid_json', message: 'request body is not valid JSON' });
    }
  }
  var ctx = { params: found.params, query: parsed.query, body: body };
  found.handler(ctx, function (err, status, payload, headers) {
    if (err && err.status) return send(res, err.status, { error: err.code, message: err.message });
    if (err) {
      console.error('orders-legacy: ' + req.method + ' ' + req.url + ': ' + (err.stack || err));
      return send(res, 500, { error: 'internal_error', message: 'internal server error' });
    }
    send(res, status, payload, headers);
  });
}

var server = http.createServer(function (req, res) {
  var chunks = [];
  var size = 0;
  var tooLarge = false;
  req.on('data', function (chunk) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', function () {
    if (tooLarge) {
      return send(res, 413, { error: 'payload_too_large', message: 'request body is larger than ' + MAX_BODY_BYTES + ' bytes' });
    }
    handle(req, res, Buffer.concat(chunks));
  });
});

var host = process.env.HOST || '127.0.0.1';
server.listen(parseInt(process.env.PORT, 10), host, function () {
  console.log('orders-legacy listening on http://' + host + ':' + server.address().port);
});

function shutdown() {
  server.close(function () {
    db.end(function () { process.exit(0); });
  });
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
