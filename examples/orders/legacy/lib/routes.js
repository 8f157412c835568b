'use strict';
// Request handlers. Each handler is (ctx, reply) where ctx = {params, query, body} and
// reply(err, status, body, headers) sends the answer.

var db = require('./db');
var orders = require('./orders');
var validate = require('./validate');
var payments = require('./payments');

var MAX_ID = 2147483647;

function invalid(messages) {
  return { error: 'validation_failed', messages: messages };
}

function notFound(what, id) {
  return { error: 'not_found', message: what + ' ' + id + ' not found' };
}

// Ids in the URL are digits (the routes say so) but may not fit in an integer column.
function idParam(value) {
  var id = parseInt(value, 10);
  return id > MAX_ID ? null : id;
}

function sendOrder(id, status, reply, headers) {
  orders.load(db, id, function (err, order) {
    if (err) return reply(err);
    if (!order) return reply(null, 404, notFound('order', id));
    reply(null, status, order, headers);
  });
}

function health(ctx, reply) {
  db.query('SELECT 1', [], function (err) {
    if (err) return reply(null, 503, { status: 'unavailable' });
    reply(null, 200, { status: 'ok' });
  });
}

function listOrders(ctx, reply) {
  var messages = validate.listQuery(ctx.query);
  if (messages.length) return reply(null, 400, invalid(messages));
  var filters = {
    page: ctx.query.page ? parseInt(ctx.query.page, 10) : 1,
    pageSize: ctx.query.pageSize ? parseInt(ctx.query.pageSize, 10) : 10,
    status: ctx.query.status,
    customerId: ctx.query.customerId ? parseInt(ctx.query.customerId, 10) : null
  };
  orders.list(filters, db, function (err, page) {
    if (err) return reply(err);
    reply(null, 200, page.orders, { 'X-Total-Count': String(page.total) });
  });
}

function createOrder(ctx, reply) {
  var body = ctx.body;
  var messages = validate.createOrder(body);
  if (messages.length) return reply(null, 400, invalid(messages));
  orders.customer(db, body.customerId, function (err, customer) {
    if (err) return reply(err);
    if (!customer) {
      return reply(null, 422, { error: 'unknown_customer', message: 'customer ' + body.customerId + ' does not exist' });
    }
    orders.create(db, body, function (err, id) {
      if (err) return reply(err);
      sendOrder(id, 201, reply, { Location: '/orders/' + id });
    });
  });
}

function getOrder(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  sendOrder(id, 200, reply);
}

function updateOrder(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  var messages = validate.updateOrder(ctx.body);
  if (messages.length) return reply(null, 400, invalid(messages));
  orders.update(db, id, { status: ctx.body.status, note: ctx.body.note }, function (err) {
    if (err) return reply(err);
    sendOrder(id, 200, reply);
  });
}

function cancelOrder(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  orders.cancel(db, id, function (err) {
    if (err) return reply(err);
    reply(null, 204, null);
  });
}

function addItems(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  var messages = validate.addItems(ctx.body);
  if (messages.length) return reply(null, 400, invalid(messages));
  orders.addItems(db, id, ctx.body.items, function (err) {
    if (err) return reply(err);
    sendOrder(id, 200, reply);
  });
}

function removeItem(ctx, reply) {
  var id = idParam(ctx.params[0]);
  var itemId = idParam(ctx.params[1]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  if (itemId === null) return reply(null, 404, notFound('item', ctx.params[1]));
  orders.removeItem(db, id, itemId, function (err) {
    if (err) return reply(err);
    sendOrder(id, 200, reply);
  });
}

function payOrder(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  var messages = validate.payOrder(ctx.body);
  if (messages.length) return reply(null, 400, invalid(messages));
  var method = ctx.body.method || 'card';
  orders.load(db, id, function (err, order) {
    if (err) return reply(err);
    if (!order) return reply(null, 404, notFound('order', id));
    if (order.status === 'cancelled') {
      return reply(null, 409, { error: 'conflict', message: 'order ' + id + ' is cancelled' });
    }
    if (order.status !== 'pending') {
      return reply(null, 409, { error: 'conflict', message: 'order ' + id + ' is already paid' });
    }
    var amountCents = Math.round(order.total * 100);
    if (amountCents === 0) {
      return reply(null, 409, { error: 'conflict', message: 'order ' + id + ' has no items to pay' });
    }
    var request = { orderId: id, amountCents: amountCents, currency: order.currency, method: method };
    payments.charge(process.env.PAYMENT_URL, request, function (err, answer) {
      if (err) {
        console.error('orders-legacy: payment for order ' + id + ' failed: ' + err.message);
        return reply(null, 502, { error: 'payment_unavailable', message: 'payment service unavailable' });
      }
      if (answer.status === 402) {
        return reply(null, 402, { error: 'payment_declined', message: 'payment declined: ' + answer.body.reason });
      }
      if (answer.status !== 201 || !answer.body.id) {
        console.error('orders-legacy: payment for order ' + id + ' answered HTTP ' + answer.status);
        return reply(null, 502, { error: 'payment_unavailable', message: 'payment service unavailable' });
      }
      var payment = {
        id: answer.body.id,
        amountCents: amountCents,
        currency: order.currency,
        method: method,
        status: answer.body.status
      };
      orders.markPaid(db, id, payment, function (err) {
        if (err) return reply(err);
        sendOrder(id, 200, reply);
      });
    });
  });
}

function orderHistory(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('order', ctx.params[0]));
  orders.history(db, id, function (err, entries) {
    if (err) return reply(err);
    if (!entries) return reply(null, 404, notFound('order', id));
    reply(null, 200, entries);
  });
}

function getCustomer(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('customer', ctx.params[0]));
  orders.customer(db, id, function (err, customer) {
    if (err) return reply(err);
    if (!customer) return reply(null, 404, notFound('customer', id));
    reply(null, 200, customer);
  });
}

function listCustomers(ctx, reply) {
  var messages = validate.customerListQuery(ctx.query);
  if (messages.length) return reply(null, 400, invalid(messages));
  var page = ctx.query.page ? parseInt(ctx.query.page, 10) : 1;
  var pageSize = ctx.query.pageSize ? parseInt(ctx.query.pageSize, 10) : 10;
  orders.customerList(db, page, pageSize, function (err, customers) {
    if (err) return reply(err);
    reply(null, 200, customers);
  });
}

function customerSummary(ctx, reply) {
  var id = idParam(ctx.params[0]);
  if (id === null) return reply(null, 404, notFound('customer', ctx.params[0]));
  orders.customerSummary(db, id, function (err, summary) {
    if (err) return reply(err);
    if (!summary) return reply(null, 404, notFound('customer', id));
    reply(null, 200, summary);
  });
}

// [pattern, {METHOD: handler}], first match wins.
var ROUTES = [
  [/^\/health$/, { GET: health }],
  [/^\/orders$/, { GET: listOrders, POST: createOrder }],
  [/^\/orders\/([0-9]+)$/, { GET: getOrder, PATCH: updateOrder, DELETE: cancelOrder }],
  [/^\/orders\/([0-9]+)\/items$/, { POST: addItems }],
  [/^\/orders\/([0-9]+)\/items\/([0-9]+)$/, { DELETE: removeItem }],
  [/^\/orders\/([0-9]+)\/pay$/, { POST: payOrder }],
  [/^\/orders\/([0-9]+)\/history$/, { GET: orderHistory }],
  [/^\/customers$/, { GET: listCustomers }],
  [/^\/customers\/([0-9]+)$/, { GET: getCustomer }],
  [/^\/customers\/([0-9]+)\/summary$/, { GET: customerSummary }]
];

// {handler, params} | {allow: 'GET, POST'} | null
function match(method, path) {
  for (var i = 0; i < ROUTES.length; i++) {
    var m = ROUTES[i][0].exec(path);
    if (!m) continue;
    var handlers = ROUTES[i][1];
    if (!handlers[method]) return { allow: Object.keys(handlers).join(', ') };
    return { handler: handlers[method], params: m.slice(1) };
  }
  return null;
}

module.exports = { match: match };
