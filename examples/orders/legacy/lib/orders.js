'use strict';
// Data access for orders and customers. `conn` is anything with query(text, params, cb):
// the db module (the pool) or a client inside a transaction.

var money = require('./money');

var ORDER_COLUMNS = 'id, customer_id, status, currency, note, legacy_code, total_cents, created_at, updated_at';

// Status changes PATCH and DELETE allow. Paying (pending -> paid) has its own endpoint.
var TRANSITIONS = {
  pending: ['cancelled'],
  paid: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  delivered: [],
  cancelled: []
};

function httpError(status, code, message) {
  var err = new Error(message);
  err.status = status;
  err.code = code;
  return err;
}

function itemJson(row) {
  return {
    id: row.id,
    sku: row.sku,
    qty: row.qty,
    price: parseFloat(row.unit_price),
    lineTotal: money.centsToAmount(row.line_total_cents)
  };
}

function orderJson(row, items, payment) {
  var count = 0;
  for (var i = 0; i < items.length; i++) count += items[i].qty;
  var order = {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    currency: row.currency,
    note: row.note,
    items: items.map(itemJson),
    itemCount: count,
    total: money.centsToAmount(row.total_cents),
    paymentId: payment ? payment.id : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at
  };
  // Only orders imported from the old system have one.
  if (row.legacy_code) order.legacyCode = row.legacy_code;
  return order;
}

function summaryJson(row) {
  var order = {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    currency: row.currency,
    total: money.centsToAmount(row.total_cents),
    itemCount: Number(row.item_count),
    createdAt: row.created_at
  };
  if (row.legacy_code) order.legacyCode = row.legacy_code;
  return order;
}

// callback(err, order or null)
function load(conn, id, callback) {
  conn.query('SELECT ' + ORDER_COLUMNS + ' FROM orders WHERE id = $1', [id], function (err, result) {
    if (err) return callback(err);
    if (result.rows.length === 0) return callback(null, null);
    var row = result.rows[0];
    conn.query(
      'SELECT id, sku, qty, unit_price, line_total_cents FROM order_items WHERE order_id = $1 ORDER BY id',
      [id],
      function (err, items) {
        if (err) return callback(err);
        conn.query('SELECT id FROM payments WHERE order_id = $1', [id], function (err, payments) {
          if (err) return callback(err);
          callback(null, orderJson(row, items.rows, payments.rows[0]));
        });
      }
    );
  });
}

// Locks the order row for the rest of the transaction. callback(err, row); 404 when missing.
function lock(client, id, callback) {
  client.query('SELECT ' + ORDER_COLUMNS + ' FROM orders WHERE id = $1 FOR UPDATE', [id], function (err, result) {
    if (err) return callback(err);
    if (result.rows.length === 0) return callback(httpError(404, 'not_found', 'order ' + id + ' not found'));
    callback(null, result.rows[0]);
  });
}

// filters: {page, pageSize, status, customerId}. callback(err, {total, orders})
function list(filters, conn, callback) {
  var where = [];
  var params = [];
  if (filters.status) {
    params.push(filters.status);
    where.push('o.status = $' + params.length);
  }
  if (filters.customerId) {
    params.push(filters.customerId);
    where.push('o.customer_id = $' + params.length);
  }
  var whereSql = where.length ? ' WHERE ' + where.join(' AND ') : '';
  conn.query('SELECT count(*) AS total FROM orders o' + whereSql, params, function (err, counted) {
    if (err) return callback(err);
    var pageParams = params.concat([filters.pageSize, (filters.page - 1) * filters.pageSize]);
    conn.query(
      'SELECT o.id, o.customer_id, o.status, o.currency, o.legacy_code, o.total_cents, o.created_at, ' +
        '(SELECT coalesce(sum(i.qty), 0) FROM order_items i WHERE i.order_id = o.id) AS item_count ' +
        'FROM orders o' + whereSql +
        ' ORDER BY o.id LIMIT $' + (params.length + 1) + ' OFFSET $' + (params.length + 2),
      pageParams,
      function (err, result) {
        if (err) return callback(err);
        callback(null, { total: Number(counted.rows[0].total), orders: result.rows.map(summaryJson) });
      }
    );
  });
}

function insertItems(client, orderId, items, callback) {
  var i = 0;
  (function next(err) {
    if (err) return callback(err);
    if (i === items.length) return callback(null);
    var item = items[i++];
    client.query(
      'INSERT INTO order_items (order_id, sku, qty, unit_price, line_total_cents) VALUES ($1, $2, $3, $4, $5)',
      [orderId, item.sku, item.qty, String(item.price), money.lineCents(item.qty, item.price)],
      function (err) { next(err); }
    );
  })();
}

// Recomputes orders.total_cents from its items: the exact sum, rounded once.
function updateTotal(client, orderId, callback) {
  client.query('SELECT qty, unit_price AS price FROM order_items WHERE order_id = $1 ORDER BY id', [orderId], function (err, result) {
    if (err) return callback(err);
    client.query(
      'UPDATE orders SET total_cents = $2, updated_at = now() WHERE id = $1',
      [orderId, money.totalCents(result.rows)],
      function (err) { callback(err); }
    );
  });
}

function audit(client, orderId, from, to, callback) {
  client.query(
    'INSERT INTO order_audit (order_id, from_status, to_status) VALUES ($1, $2, $3)',
    [orderId, from, to],
    function (err) { callback(err); }
  );
}

// One row of the append-only order_events log (kinds: created, items_added, item_removed,
// note_changed; status changes go to order_audit).
function event(client, orderId, kind, detail, callback) {
  client.query(
    'INSERT INTO order_events (order_id, kind, detail) VALUES ($1, $2, $3)',
    [orderId, kind, detail],
    function (err) { callback(err); }
  );
}

function setStatus(client, row, to, callback) {
  client.query('UPDATE orders SET status = $2, updated_at = now() WHERE id = $1', [row.id, to], function (err) {
    if (err) return callback(err);
    audit(client, row.id, row.status, to, callback);
  });
}

// The error for a status change the order does not allow, or null.
function transitionError(row, to) {
  if (row.status === to) return httpError(409, 'conflict', 'order ' + row.id + ' is already ' + to);
  if (TRANSITIONS[row.status].indexOf(to) === -1) {
    return httpError(409, 'invalid_transition', 'cannot change status from ' + row.status + ' to ' + to);
  }
  return null;
}

// input: validated body of POST /orders. callback(err, id)
function create(db, input, callback) {
  db.transaction(function (client, done) {
    client.query(
      'INSERT INTO orders (customer_id, currency, note) VALUES ($1, $2, $3) RETURNING id',
      [input.customerId, input.currency || 'EUR', input.note === undefined ? null : input.note],
      function (err, result) {
        if (err) return done(err);
        var id = result.rows[0].id;
        insertItems(client, id, input.items || [], function (err) {
          if (err) return done(err);
          updateTotal(client, id, function (err) {
            if (err) return done(err);
            audit(client, id, null, 'pending', function (err) {
              if (err) return done(err);
              event(client, id, 'created', String((input.items || []).length), function (err) { done(err, id); });
            });
          });
        });
      }
    );
  }, callback);
}

function addItems(db, id, items, callback) {
  db.transaction(function (client, done) {
    lock(client, id, function (err, row) {
      if (err) return done(err);
      if (row.status !== 'pending') {
        return done(httpError(409, 'conflict', 'order ' + id + ' is not pending (status: ' + row.status + ')'));
      }
      insertItems(client, id, items, function (err) {
        if (err) return done(err);
        updateTotal(client, id, function (err) {
          if (err) return done(err);
          var skus = items.map(function (item) { return item.sku; }).join(',');
          event(client, id, 'items_added', skus, done);
        });
      });
    });
  }, callback);
}

function removeItem(db, id, itemId, callback) {
  db.transaction(function (client, done) {
    lock(client, id, function (err, row) {
      if (err) return done(err);
      if (row.status !== 'pending') {
        return done(httpError(409, 'conflict', 'order ' + id + ' is not pending (status: ' + row.status + ')'));
      }
      client.query('DELETE FROM order_items WHERE id = $1 AND order_id = $2', [itemId, id], function (err, result) {
        if (err) return done(err);
        if (result.rowCount === 0) return done(httpError(404, 'not_found', 'item ' + itemId + ' not found in order ' + id));
        updateTotal(client, id, function (err) {
          if (err) return done(err);
          event(client, id, 'item_removed', String(itemId), done);
        });
      });
    });
  }, callback);
}

// changes: {status?, note?} (validated)
function update(db, id, changes, callback) {
  db.transaction(function (client, done) {
    lock(client, id, function (err, row) {
      if (err) return done(err);
      if (changes.status !== undefined) {
        var refused = transitionError(row, changes.status);
        if (refused) return done(refused);
      }
      var afterNote = function (err) {
        if (err) return done(err);
        if (changes.status === undefined) return done(null);
        setStatus(client, row, changes.status, done);
      };
      if (changes.note === undefined) return afterNote(null);
      client.query('UPDATE orders SET note = $2, updated_at = now() WHERE id = $1', [id, changes.note], function (err) {
        if (err) return afterNote(err);
        event(client, id, 'note_changed', changes.note, afterNote);
      });
    });
  }, callback);
}

function cancel(db, id, callback) {
  db.transaction(function (client, done) {
    lock(client, id, function (err, row) {
      if (err) return done(err);
      var refused = transitionError(row, 'cancelled');
      if (refused) return done(refused);
      setStatus(client, row, 'cancelled', done);
    });
  }, callback);
}

// payment: {id, amountCents, currency, method, status}
function markPaid(db, id, payment, callback) {
  db.transaction(function (client, done) {
    lock(client, id, function (err, row) {
      if (err) return done(err);
      if (row.status !== 'pending') return done(httpError(409, 'conflict', 'order ' + id + ' is already paid'));
      client.query(
        'INSERT INTO payments (id, order_id, amount_cents, currency, method, status) VALUES ($1, $2, $3, $4, $5, $6)',
        [payment.id, id, payment.amountCents, payment.currency, payment.method, payment.status],
        function (err) {
          if (err) return done(err);
          setStatus(client, row, 'paid', done);
        }
      );
    });
  }, callback);
}

// callback(err, history or null when the order does not exist)
function history(conn, id, callback) {
  conn.query('SELECT id FROM orders WHERE id = $1', [id], function (err, found) {
    if (err) return callback(err);
    if (found.rows.length === 0) return callback(null, null);
    conn.query(
      'SELECT from_status, to_status, changed_at FROM order_audit WHERE order_id = $1 ORDER BY id',
      [id],
      function (err, result) {
        if (err) return callback(err);
        callback(null, result.rows.map(function (row) {
          return { from: row.from_status, to: row.to_status, at: row.changed_at };
        }));
      }
    );
  });
}

function customer(conn, id, callback) {
  conn.query('SELECT id, name, email, tier, created_at FROM customers WHERE id = $1', [id], function (err, result) {
    if (err) return callback(err);
    var row = result.rows[0];
    if (!row) return callback(null, null);
    callback(null, { id: row.id, name: row.name, email: row.email, tier: row.tier, createdAt: row.created_at });
  });
}

// The customer directory: one page of customers by id, each with their number of orders, in one
// query. callback(err, [{id, name, tier, orderCount}])
function customerList(conn, page, pageSize, callback) {
  conn.query(
    'SELECT c.id, c.name, c.tier, count(o.id) AS order_count ' +
      'FROM customers c LEFT JOIN orders o ON o.customer_id = c.id ' +
      'GROUP BY c.id ORDER BY c.id LIMIT $1 OFFSET $2',
    [pageSize, (page - 1) * pageSize],
    function (err, result) {
      if (err) return callback(err);
      callback(null, result.rows.map(function (row) {
        return { id: row.id, name: row.name, tier: row.tier, orderCount: Number(row.order_count) };
      }));
    }
  );
}

// Totals over every currency, added up as they are (a known quirk, kept by the rewrite).
function customerSummary(conn, id, callback) {
  conn.query(
    'SELECT c.id, c.name, c.tier, count(o.id) AS order_count, ' +
      "count(o.id) FILTER (WHERE o.status IN ('pending', 'paid')) AS open_orders, " +
      "coalesce(sum(o.total_cents) FILTER (WHERE o.status IN ('paid', 'shipped', 'delivered')), 0) AS spent_cents, " +
      'max(o.id) AS last_order_id ' +
      'FROM customers c LEFT JOIN orders o ON o.customer_id = c.id WHERE c.id = $1 GROUP BY c.id',
    [id],
    function (err, result) {
      if (err) return callback(err);
      var row = result.rows[0];
      if (!row) return callback(null, null);
      callback(null, {
        customerId: row.id,
        name: row.name,
        tier: row.tier,
        orderCount: Number(row.order_count),
        openOrders: Number(row.open_orders),
        spent: money.centsToAmount(row.spent_cents),
        lastOrderId: row.last_order_id
      });
    }
  );
}

module.exports = {
  httpError: httpError,
  load: load,
  list: list,
  create: create,
  addItems: addItems,
  removeItem: removeItem,
  update: update,
  cancel: cancel,
  markPaid: markPaid,
  history: history,
  customer: customer,
  customerList: customerList,
  customerSummary: customerSummary
};
