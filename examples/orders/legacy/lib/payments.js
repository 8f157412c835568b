'use strict';
// Client of the payment service at PAYMENT_URL.
// Like most services of its time it honours HTTP_PROXY: the request then goes to the proxy
// with the absolute URL as request target (RFC 9112 section 3.2.2, absolute-form).

var http = require('http');
var url = require('url');

var TIMEOUT_MS = 5000;

// charge({orderId, amountCents, currency, method}, callback(err, result))
// result: {status: 201, body: {id, status}} or {status: 402, body: {status, reason}}
function charge(baseUrl, payment, callback) {
  var target = url.parse(baseUrl.replace(/\/+$/, '') + '/payments');
  var proxy = process.env.HTTP_PROXY || process.env.http_proxy;
  var payload = JSON.stringify(payment);
  var options = {
    method: 'POST',
    hostname: target.hostname,
    port: target.port || 80,
    path: target.path,
    headers: {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(payload),
      'Accept': 'application/json'
    }
  };
  if (proxy) {
    var via = url.parse(proxy);
    options.hostname = via.hostname;
    options.port = via.port || 80;
    options.path = target.href;
    options.headers.Host = target.host;
  }

  var done = false;
  function finish(err, result) {
    if (done) return;
    done = true;
    callback(err, result);
  }

  var req = http.request(options, function (res) {
    var chunks = [];
    res.on('data', function (chunk) { chunks.push(chunk); });
    res.on('end', function () {
      var body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return finish(new Error('payment service sent a non-JSON answer (HTTP ' + res.statusCode + ')'));
      }
      finish(null, { status: res.statusCode, body: body });
    });
    res.on('error', finish);
  });
  req.setTimeout(TIMEOUT_MS, function () {
    req.destroy(new Error('payment service timed out'));
  });
  req.on('error', finish);
  req.end(payload);
}

module.exports = { charge: charge };
