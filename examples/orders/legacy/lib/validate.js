'use strict';
// Request validation. Every function returns a list of messages; empty means valid.

var STATUSES = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];
var CURRENCIES = ['EUR', 'USD', 'GBP'];
var METHODS = ['card', 'invoice'];
var MAX_ITEMS = 50;
var MAX_QTY = 1000;
var MAX_PRICE = 1000000;
var MAX_NOTE = 200;

function isObject(value) {
  return value !== null && typeof value === 'object' && !(value instanceof Array);
}

function isPositiveInteger(value) {
  return typeof value === 'number' && value % 1 === 0 && value > 0 && value <= 2147483647;
}

function hasAtMost4Decimals(value) {
  var units = value * 10000;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

function checkNote(body, messages) {
  if (body.note !== undefined && body.note !== null) {
    if (typeof body.note !== 'string' || body.note.length > MAX_NOTE) {
      messages.push('note must be a string of at most ' + MAX_NOTE + ' characters');
    }
  }
}

function checkItems(items, required, messages) {
  if (items === undefined || items === null) {
    if (required) messages.push('items is required');
    return;
  }
  if (!(items instanceof Array)) {
    messages.push('items must be an array');
    return;
  }
  if (required && items.length === 0) messages.push('items must contain at least one item');
  if (items.length > MAX_ITEMS) messages.push('items must contain at most ' + MAX_ITEMS + ' items');
  for (var i = 0; i < items.length; i++) {
    var item = items[i];
    var at = 'items[' + i + ']';
    if (!isObject(item)) {
      messages.push(at + ' must be an object');
      continue;
    }
    if (typeof item.sku !== 'string' || item.sku.trim() === '') {
      messages.push(at + '.sku is required');
    } else if (!/^[A-Z0-9][A-Z0-9-]{0,31}$/.test(item.sku)) {
      messages.push(at + '.sku must be upper-case letters, digits and dashes');
    }
    if (typeof item.qty !== 'number' || item.qty % 1 !== 0 || item.qty < 1 || item.qty > MAX_QTY) {
      messages.push(at + '.qty must be an integer between 1 and ' + MAX_QTY);
    }
    if (typeof item.price !== 'number' || !isFinite(item.price)) {
      messages.push(at + '.price must be a number');
    } else if (item.price < 0) {
      messages.push(at + '.price must not be negative');
    } else if (item.price > MAX_PRICE) {
      messages.push(at + '.price must be at most ' + MAX_PRICE);
    } else if (!hasAtMost4Decimals(item.price)) {
      messages.push(at + '.price must have at most 4 decimals');
    }
  }
}

function createOrder(body) {
  var messages = [];
  if (!isObject(body)) return ['body must be a JSON object'];
  if (body.customerId === undefined || body.customerId === null) {
    messages.push('customerId is required');
  } else if (!isPositiveInteger(body.customerId)) {
    messages.push('customerId must be a positive integer');
  }
  if (body.currency !== undefined && CURRENCIES.indexOf(body.currency) === -1) {
    messages.push('currency must be one of ' + CURRENCIES.join(', '));
  }
  checkNote(body, messages);
  checkItems(body.items, false, messages);
  return messages;
}

function addItems(body) {
  var messages = [];
  if (!isObject(body)) return ['body must be a JSON object'];
  checkItems(body.items, true, messages);
  return messages;
}

function updateOrder(body) {
  var messages = [];
  if (!isObject(body)) return ['body must be a JSON object'];
  if (body.status === undefined && body.note === undefined) {
    return ['nothing to update: give status or note'];
  }
  if (body.status !== undefined && STATUSES.indexOf(body.status) === -1) {
    messages.push('status must be one of ' + STATUSES.join(', '));
  }
  checkNote(body, messages);
  return messages;
}

function payOrder(body) {
  if (!isObject(body)) return ['body must be a JSON object'];
  if (body.method !== undefined && METHODS.indexOf(body.method) === -1) {
    return ['method must be one of ' + METHODS.join(', ')];
  }
  return [];
}

// Query of GET /orders: strings from the URL.
function listQuery(query) {
  var messages = [];
  if (query.page !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.page)) {
    messages.push('page must be a positive integer');
  }
  if (query.pageSize !== undefined) {
    var size = /^[0-9]+$/.test(query.pageSize) ? parseInt(query.pageSize, 10) : NaN;
    if (!(size >= 1 && size <= 50)) messages.push('pageSize must be an integer between 1 and 50');
  }
  if (query.status !== undefined && STATUSES.indexOf(query.status) === -1) {
    messages.push('status must be one of ' + STATUSES.join(', '));
  }
  if (query.customerId !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.customerId)) {
    messages.push('customerId must be a positive integer');
  }
  return messages;
}

// Query of GET /customers: page and pageSize, with the same rules and words as GET /orders.
function customerListQuery(query) {
  var messages = [];
  if (query.page !== undefined && !/^[1-9][0-9]{0,8}$/.test(query.page)) {
    messages.push('page must be a positive integer');
  }
  if (query.pageSize !== undefined) {
    var size = /^[0-9]+$/.test(query.pageSize) ? parseInt(query.pageSize, 10) : NaN;
    if (!(size >= 1 && size <= 50)) messages.push('pageSize must be an integer between 1 and 50');
  }
  return messages;
}

module.exports = {
  STATUSES: STATUSES,
  createOrder: createOrder,
  addItems: addItems,
  updateOrder: updateOrder,
  payOrder: payOrder,
  listQuery: listQuery,
  customerListQuery: customerListQuery
};
