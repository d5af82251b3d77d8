// Form conditions: the FEEL subset of forms/expressions.py and forms/conditions.py,
// with the same grammar, limits and semantics, so the browser hides exactly the
// fields the server will ignore. Keep the two in step: tests/forms/test_parity.py
// runs a shared table and generated expressions through both.
//
//   evaluate(expression, data) -> value   (throws ConditionError if it does not parse)
//   isHidden(expression, data) -> boolean (true only when the value is exactly true)
//   check(expression) -> error message or null
//
// Numbers are IEEE doubles in both languages; results that are not finite are null.
import { ConditionError, parse } from './expressions.js';

export { ConditionError, parse };
export var MAX_DATA_DEPTH = 32;

/** Why an expression cannot be parsed, or null when it can. */
export function check(expression) {
  try {
    parse(expression);
  } catch (error) {
    if (error instanceof ConditionError) {
      return error.message;
    }
    throw error;
  }
  return null;
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function own(object, name) {
  return Object.prototype.hasOwnProperty.call(object, name);
}

/** Convert data to a condition value: only JSON kinds, finite numbers. */
export function toValue(raw, depth) {
  depth = depth || 0;
  if (raw === null || raw === undefined) {
    return null;
  }
  if (typeof raw === 'boolean' || typeof raw === 'string') {
    return raw;
  }
  if (depth > MAX_DATA_DEPTH) {
    return null;
  }
  if (typeof raw === 'number') {
    return isFinite(raw) ? raw : null;
  }
  if (Array.isArray(raw)) {
    return raw.map(function (item) { return toValue(item, depth + 1); });
  }
  if (isObject(raw)) {
    var out = Object.create(null); // so a "__proto__" key stays a plain key
    Object.keys(raw).forEach(function (key) {
      out[key] = toValue(raw[key], depth + 1);
    });
    return out;
  }
  return null;
}

function lookup(data, names) {
  var value = data;
  for (var i = 0; i < names.length; i++) {
    if (!isObject(value) || !own(value, names[i])) {
      return null;
    }
    value = value[names[i]];
  }
  return toValue(value);
}

/** Strict, deep equality of two condition values. */
export function equal(left, right) {
  if (left === null || right === null) {
    return left === null && right === null;
  }
  if (typeof left !== typeof right) {
    return false;
  }
  if (typeof left !== 'object') {
    return left === right;
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) {
      return false;
    }
    for (var i = 0; i < left.length; i++) {
      if (!equal(left[i], right[i])) {
        return false;
      }
    }
    return true;
  }
  var keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) {
    return false;
  }
  return keys.every(function (key) {
    return own(right, key) && equal(left[key], right[key]);
  });
}

// Strings compare by Unicode code point, as Python does (not by UTF-16 unit).
function compareStrings(left, right) {
  var i = 0;
  var j = 0;
  while (i < left.length && j < right.length) {
    var a = left.codePointAt(i);
    var b = right.codePointAt(j);
    if (a !== b) {
      return a < b ? -1 : 1;
    }
    i += a > 0xffff ? 2 : 1;
    j += b > 0xffff ? 2 : 1;
  }
  if (i < left.length) {
    return 1;
  }
  return j < right.length ? -1 : 0;
}

function finite(value) {
  return isFinite(value) ? value : null;
}

function arithmetic(op, left, right) {
  if (op === '+' && typeof left === 'string' && typeof right === 'string') {
    return left + right;
  }
  if (typeof left !== 'number' || typeof right !== 'number') {
    return null;
  }
  if (op === '+') {
    return finite(left + right);
  }
  if (op === '-') {
    return finite(left - right);
  }
  if (op === '*') {
    return finite(left * right);
  }
  return right === 0 ? null : finite(left / right);
}

function order(op, left, right) {
  var order;
  if (typeof left === 'number' && typeof right === 'number') {
    order = left < right ? -1 : left > right ? 1 : 0;
  } else if (typeof left === 'string' && typeof right === 'string') {
    order = compareStrings(left, right);
  } else {
    return null;
  }
  if (op === '<') {
    return order < 0;
  }
  if (op === '<=') {
    return order <= 0;
  }
  if (op === '>') {
    return order > 0;
  }
  return order >= 0;
}

function binary(op, left, right) {
  if (op === 'and') {
    if (left === false || right === false) {
      return false;
    }
    return left === true && right === true ? true : null;
  }
  if (op === 'or') {
    if (left === true || right === true) {
      return true;
    }
    return left === false && right === false ? false : null;
  }
  if (op === '=') {
    return equal(left, right);
  }
  if (op === '!=') {
    return !equal(left, right);
  }
  if (op === 'in') {
    if (Array.isArray(right)) {
      return right.some(function (item) { return equal(left, item); });
    }
    return equal(left, right);
  }
  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    return order(op, left, right);
  }
  return arithmetic(op, left, right);
}

function evalNode(node, data) {
  switch (node[0]) {
    case 'value':
      return node[1];
    case 'path':
      return lookup(data, node[1]);
    case 'list':
      return node[1].map(function (item) { return evalNode(item, data); });
    case 'neg': {
      var value = evalNode(node[1], data);
      return typeof value === 'number' ? -value : null;
    }
    case 'not': {
      var inner = evalNode(node[1], data);
      return typeof inner === 'boolean' ? !inner : null;
    }
    default:
      return binary(node[1], evalNode(node[2], data), evalNode(node[3], data));
  }
}

/** Evaluate an expression over data (throws ConditionError if it does not parse). */
export function evaluate(expression, data) {
  return evalNode(parse(expression), data);
}

/** True when a conditional.hide expression evaluates to exactly true. */
export function isHidden(expression, data) {
  return evalNode(parse(expression), data) === true;
}
