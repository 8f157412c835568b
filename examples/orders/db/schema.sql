-- Schema of the orders example, shared by the legacy service and its rewrite.
-- paritykit applies this file, then seed.sql, once to a template database; every scenario
-- starts from a fresh clone of it (CREATE DATABASE ... TEMPLATE ...).
--
-- Money: order and line totals are stored in cents (bigint); unit prices keep up to 4
-- decimals (numeric(12,4)), so a total has to be rounded to cents. How it is rounded is one
-- of the deliberate divergences between the services (see DIVERGENCES.md).
-- Every table has a primary key, so logical decoding (the db channel) identifies each row of an
-- UPDATE/DELETE, except `order_events`: an append-only log without one, on purpose (the db
-- channel's path for tables without a key). Nothing ever updates or deletes its rows.

CREATE TABLE customers (
  id         serial PRIMARY KEY,
  name       text NOT NULL,
  email      text NOT NULL UNIQUE,
  tier       text NOT NULL DEFAULT 'standard' CHECK (tier IN ('standard', 'gold')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
  id          serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  status      text NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
  currency    char(3) NOT NULL DEFAULT 'EUR',
  note        text,
  -- Code of the order in the system before the legacy (orders imported in 2017-2019 have one).
  legacy_code text,
  total_cents bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_id ON orders (customer_id);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_items (
  id               serial PRIMARY KEY,
  order_id         integer NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sku              text NOT NULL,
  qty              integer NOT NULL CHECK (qty > 0),
  unit_price       numeric(12, 4) NOT NULL CHECK (unit_price >= 0),
  line_total_cents bigint NOT NULL
);
CREATE INDEX order_items_order_id ON order_items (order_id);

CREATE TABLE payments (
  id           text PRIMARY KEY,
  order_id     integer NOT NULL UNIQUE REFERENCES orders (id),
  amount_cents bigint NOT NULL,
  currency     char(3) NOT NULL,
  method       text NOT NULL,
  status       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per status change (and one for the creation of an order: from_status NULL).
CREATE TABLE order_audit (
  id          serial PRIMARY KEY,
  order_id    integer NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  from_status text,
  to_status   text NOT NULL,
  changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_audit_order_id ON order_audit (order_id);

-- Append-only log of the changes to an order that order_audit does not hold: creation, lines
-- added or removed, note changed. No primary key on purpose (rows are only ever inserted; an
-- UPDATE or DELETE of it under a publication would need REPLICA IDENTITY FULL). No foreign
-- key either: it is a log, and orders are never deleted anyway (DELETE /orders/:id cancels).
CREATE TABLE order_events (
  order_id   integer NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('created', 'items_added', 'item_removed', 'note_changed')),
  detail     text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order_id ON order_events (order_id);
