-- Seed data of the orders example: 5 customers with orders (and 300 without, for the customer
-- directory and its performance scenario), 12 orders in every status, their items,
-- payments and audit trail. Applied after schema.sql to the template database.
--
-- Fixed timestamps, so both services show the same createdAt/updatedAt for seeded rows.
-- Orders 1, 2, 5, 7 and 11 were imported from the system before the legacy: they carry a
-- legacy_code and their created_at is not in id order (the import backfilled them), so
-- "sorted by id" and "sorted by creation time" give different lists.
-- No seeded amount is a tie when rounded to cents, so both rounding rules agree on them.

INSERT INTO customers (name, email, tier, created_at) VALUES
  ('Ada Lovelace',      'ada@example.com',      'gold',     '2017-01-05 09:00:00+00'),
  ('Grace Hopper',      'grace@example.com',    'standard', '2017-02-11 10:30:00+00'),
  ('Linus Pauling',     'linus@example.com',    'standard', '2019-06-30 16:45:00+00'),
  ('Margaret Hamilton', 'margaret@example.com', 'gold',     '2020-09-14 08:00:00+00'),
  ('Barbara Liskov',    'barbara@example.com',  'standard', '2021-11-02 13:20:00+00');

-- 300 more customers with fixed ids 1001-1300 and no orders: they fill the customer directory
-- (GET /customers, 50 per page at most) so that its pages are full. Their ids are set
-- explicitly, far from the serial's next value, so no scenario's customer id (42, 99: unknown)
-- is taken; nothing in the API creates customers.
INSERT INTO customers (id, name, email, tier, created_at)
SELECT n, 'Customer ' || n, 'customer' || n || '@example.com',
       CASE WHEN n % 7 = 0 THEN 'gold' ELSE 'standard' END,
       timestamptz '2022-06-01 00:00:00+00' + (n - 1000) * interval '1 hour'
FROM generate_series(1001, 1300) AS n;

INSERT INTO orders (customer_id, status, currency, note, legacy_code, created_at) VALUES
  (1, 'delivered', 'EUR', NULL,                   'LGC-1998-0042', '2019-03-01 09:15:00+00'),
  (1, 'shipped',   'EUR', 'leave at the door',    'LGC-1999-0107', '2018-11-12 14:02:00+00'),
  (2, 'paid',      'EUR', NULL,                   NULL,            '2020-01-20 11:00:00+00'),
  (2, 'pending',   'EUR', NULL,                   NULL,            '2021-05-05 08:30:00+00'),
  (1, 'cancelled', 'EUR', 'duplicate',            'LGC-2000-0003', '2019-07-14 17:45:00+00'),
  (3, 'pending',   'EUR', NULL,                   NULL,            '2021-02-28 12:00:00+00'),
  (2, 'delivered', 'USD', 'gift wrap',            'LGC-1997-0999', '2017-12-24 23:59:00+00'),
  (3, 'paid',      'EUR', NULL,                   NULL,            '2021-06-01 10:10:00+00'),
  (1, 'pending',   'EUR', NULL,                   NULL,            '2022-01-10 09:00:00+00'),
  (2, 'shipped',   'EUR', NULL,                   NULL,            '2020-08-08 08:08:00+00'),
  (3, 'delivered', 'GBP', NULL,                   'LGC-2001-0500', '2019-01-01 00:00:00+00'),
  (1, 'pending',   'EUR', 'call before delivery', NULL,            '2022-03-03 15:30:00+00');

INSERT INTO order_items (order_id, sku, qty, unit_price, line_total_cents) VALUES
  (1,  'A-100', 2,  12.50,  0),
  (1,  'B-200', 1,  7.99,   0),
  (2,  'C-300', 3,  4.20,   0),
  (3,  'A-100', 1,  12.50,  0),
  (3,  'D-400', 4,  1.2345, 0),
  (4,  'E-500', 1,  99.00,  0),
  (5,  'B-200', 2,  7.99,   0),
  (6,  'F-600', 5,  0.99,   0),
  (6,  'A-100', 1,  12.50,  0),
  (7,  'G-700', 1,  249.00, 0),
  (8,  'C-300', 10, 4.20,   0),
  (9,  'H-800', 2,  19.95,  0),
  (10, 'A-100', 2,  12.50,  0),
  (10, 'F-600', 1,  0.99,   0),
  (11, 'E-500', 1,  99.00,  0),
  (11, 'G-700', 1,  249.00, 0);

-- No ties here (see above), so round() gives what either service would compute.
UPDATE order_items SET line_total_cents = round(qty * unit_price * 100);
UPDATE orders o SET total_cents = coalesce(
  (SELECT round(sum(i.qty * i.unit_price) * 100) FROM order_items i WHERE i.order_id = o.id), 0);

INSERT INTO payments (id, order_id, amount_cents, currency, method, status, created_at)
SELECT 'pay_' || id || '_' || total_cents, id, total_cents, currency, 'card', 'captured',
       created_at + interval '1 day'
FROM orders WHERE status IN ('paid', 'shipped', 'delivered') ORDER BY id;

-- The audit trail each order went through, oldest step first.
INSERT INTO order_audit (order_id, from_status, to_status, changed_at)
SELECT id, NULL, 'pending', created_at FROM orders ORDER BY id;
INSERT INTO order_audit (order_id, from_status, to_status, changed_at)
SELECT id, 'pending', 'paid', created_at + interval '1 day'
FROM orders WHERE status IN ('paid', 'shipped', 'delivered') ORDER BY id;
INSERT INTO order_audit (order_id, from_status, to_status, changed_at)
SELECT id, 'paid', 'shipped', created_at + interval '2 days'
FROM orders WHERE status IN ('shipped', 'delivered') ORDER BY id;
INSERT INTO order_audit (order_id, from_status, to_status, changed_at)
SELECT id, 'shipped', 'delivered', created_at + interval '5 days'
FROM orders WHERE status = 'delivered' ORDER BY id;
INSERT INTO order_audit (order_id, from_status, to_status, changed_at)
SELECT id, 'pending', 'cancelled', created_at + interval '1 day'
FROM orders WHERE status = 'cancelled' ORDER BY id;

UPDATE orders o SET updated_at = (SELECT max(a.changed_at) FROM order_audit a WHERE a.order_id = o.id);

-- The order_events log of the seeded orders: their creation, with the number of lines.
INSERT INTO order_events (order_id, kind, detail, created_at)
SELECT o.id, 'created', (SELECT count(*) FROM order_items i WHERE i.order_id = o.id)::text, o.created_at
FROM orders o ORDER BY o.id;
