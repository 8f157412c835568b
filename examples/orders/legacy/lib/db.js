'use strict';
// The connection pool (DATABASE_URL) and a transaction helper, callback style.

var pg = require('pg');

var pool = null;

function connect(connectionString) {
  pool = new pg.Pool({ connectionString: connectionString, max: 5 });
  pool.on('error', function (err) {
    console.error('orders-legacy: idle database client error: ' + err.message);
  });
  return pool;
}

function query(text, params, callback) {
  pool.query(text, params, callback);
}

// work(client, done(err, result)) runs between BEGIN and COMMIT (ROLLBACK on error).
function transaction(work, callback) {
  pool.connect(function (err, client, release) {
    if (err) return callback(err);
    client.query('BEGIN', function (err) {
      if (err) {
        release(err);
        return callback(err);
      }
      work(client, function (err, result) {
        if (err) {
          return client.query('ROLLBACK', function () {
            release();
            callback(err);
          });
        }
        client.query('COMMIT', function (err) {
          release(err);
          callback(err, result);
        });
      });
    });
  });
}

function end(callback) {
  if (!pool) return callback();
  pool.end(callback);
}

module.exports = { connect: connect, query: query, transaction: transaction, end: end };
