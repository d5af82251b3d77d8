// The grammar of form conditions (a FEEL subset) and its parser: the same
// grammar, limits and error positions as forms/expressions.py. See that file's
// docstring for the grammar; conditions.js evaluates the trees built here.

export var MAX_LENGTH = 2000;
export var MAX_DEPTH = 30;
export var MAX_HEIGHT = 100;

var KEYWORDS = ['true', 'false', 'null', 'and', 'or', 'not', 'in'];
var LETTERS = 'A-Za-z_\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff';
var TOKEN = new RegExp(
  '([ \\t\\r\\n]+)' +
    '|([0-9]+(?:\\.[0-9]+)?)' +
    '|([' + LETTERS + '][' + LETTERS + '0-9]*)' +
    '|("(?:[^"\\\\]|\\\\[\\s\\S])*")' +
    '|(<=|>=|!=|[=<>+\\-*/()\\[\\],.])',
  'y'
);
var ESCAPES = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
var COMPARISONS = ['=', '!=', '<', '<=', '>', '>=', 'in'];

export function ConditionError(message) {
  this.name = 'ConditionError';
  this.message = message;
}
ConditionError.prototype = Object.create(Error.prototype);
ConditionError.prototype.constructor = ConditionError;

function repr(value) {
  return "'" + String(value) + "'";
}

function unescape(text, position) {
  var out = '';
  for (var i = 0; i < text.length; i++) {
    var char = text[i];
    if (char === '\\') {
      i += 1;
      var escaped = text[i];
      if (!Object.prototype.hasOwnProperty.call(ESCAPES, escaped)) {
        throw new ConditionError('Unknown escape \\' + escaped + ' at ' + position + '.');
      }
      out += ESCAPES[escaped];
    } else {
      out += char;
    }
  }
  return out;
}

function tokenize(text) {
  var tokens = [];
  var position = 0;
  while (position < text.length) {
    TOKEN.lastIndex = position;
    var match = TOKEN.exec(text);
    if (match === null) {
      throw new ConditionError('Unexpected ' + repr(text[position]) + ' at ' + position + '.');
    }
    var value = match[0];
    if (match[2] !== undefined) {
      if (!isFinite(Number(value))) {
        throw new ConditionError('The number at ' + position + ' is too large.');
      }
      tokens.push({ kind: 'number', value: Number(value), position: position });
    } else if (match[3] !== undefined) {
      var isKeyword = KEYWORDS.indexOf(value) !== -1;
      tokens.push({ kind: isKeyword ? 'op' : 'name', value: value, position: position });
    } else if (match[4] !== undefined) {
      tokens.push({ kind: 'string', value: unescape(value.slice(1, -1), position), position: position });
    } else if (match[5] !== undefined) {
      tokens.push({ kind: 'op', value: value, position: position });
    }
    position += value.length;
  }
  tokens.push({ kind: 'end', value: null, position: position });
  return tokens;
}

function Parser(text) {
  this.tokens = tokenize(text);
  this.index = 0;
  this.depth = 0;
}

Parser.prototype.peek = function () {
  return this.tokens[this.index];
};

Parser.prototype.accept = function (ops) {
  var token = this.peek();
  if (token.kind === 'op' && ops.indexOf(token.value) !== -1) {
    this.index += 1;
    return token.value;
  }
  return null;
};

Parser.prototype.expect = function (op) {
  if (this.accept([op]) === null) {
    throw this.error('expected ' + repr(op));
  }
};

Parser.prototype.error = function (what) {
  var token = this.peek();
  var found = token.kind === 'end' ? 'the end' : repr(token.value);
  return new ConditionError('Unexpected ' + found + ' at ' + token.position + ': ' + what + '.');
};

Parser.prototype.nested = function (parse) {
  this.depth += 1;
  if (this.depth > MAX_DEPTH) {
    throw new ConditionError('The expression is nested too deeply.');
  }
  var result = parse.call(this);
  this.depth -= 1;
  return result;
};

Parser.prototype.parse = function () {
  var result = this.expression();
  if (this.peek().kind !== 'end') {
    throw this.error('expected an operator or the end');
  }
  return result[0];
};

Parser.prototype.expression = function () {
  return this.nested(function () {
    return this.chain(['or'], this.conjunction);
  });
};

Parser.prototype.conjunction = function () {
  return this.chain(['and'], this.comparison);
};

Parser.prototype.comparison = function () {
  var left = this.sum();
  var op = this.accept(COMPARISONS);
  if (op === null) {
    return left;
  }
  return binaryNode(op, left, this.sum());
};

Parser.prototype.sum = function () {
  return this.chain(['+', '-'], this.product);
};

Parser.prototype.product = function () {
  return this.chain(['*', '/'], this.unary);
};

Parser.prototype.chain = function (ops, operand) {
  var left = operand.call(this);
  var op = this.accept(ops);
  while (op !== null) {
    left = binaryNode(op, left, operand.call(this));
    op = this.accept(ops);
  }
  return left;
};

Parser.prototype.unary = function () {
  if (this.accept(['-'])) {
    var inner = this.nested(this.unary);
    return [['neg', inner[0]], inner[1] + 1];
  }
  return this.primary();
};

Parser.prototype.primary = function () {
  var token = this.peek();
  if (token.kind === 'number' || token.kind === 'string') {
    this.index += 1;
    return [['value', token.value], 1];
  }
  if (token.kind === 'name') {
    return this.path();
  }
  var literal = this.accept(['true', 'false', 'null']);
  if (literal !== null) {
    return [['value', { true: true, false: false, null: null }[literal]], 1];
  }
  if (this.accept(['not'])) {
    this.expect('(');
    var inner = this.expression();
    this.expect(')');
    return [['not', inner[0]], inner[1] + 1];
  }
  if (this.accept(['('])) {
    var result = this.expression();
    this.expect(')');
    return result;
  }
  if (this.accept(['['])) {
    return this.listLiteral();
  }
  throw this.error('expected a value');
};

Parser.prototype.path = function () {
  var names = [this.peek().value];
  this.index += 1;
  while (this.accept(['.'])) {
    var token = this.peek();
    if (token.kind !== 'name') {
      throw this.error("expected a name after '.'");
    }
    this.index += 1;
    names.push(token.value);
  }
  return [['path', names], 1];
};

Parser.prototype.listLiteral = function () {
  var items = [];
  if (!this.accept([']'])) {
    items.push(this.expression());
    while (this.accept([','])) {
      items.push(this.expression());
    }
    this.expect(']');
  }
  var height = 0;
  for (var i = 0; i < items.length; i++) {
    height = Math.max(height, items[i][1]);
  }
  return [['list', items.map(function (item) { return item[0]; })], height + 1];
};

function binaryNode(op, left, right) {
  var height = 1 + Math.max(left[1], right[1]);
  if (height > MAX_HEIGHT) {
    throw new ConditionError('The expression has too many operators in a row.');
  }
  return [['bin', op, left[0], right[0]], height];
}

var cache = new Map();

/** Parse an expression (a leading form-js "=" is allowed) into a tree. */
export function parse(expression) {
  if (typeof expression !== 'string') {
    throw new ConditionError('The expression must be text.');
  }
  if (cache.has(expression)) {
    return cache.get(expression);
  }
  if (expression.length > MAX_LENGTH) {
    throw new ConditionError('The expression is longer than ' + MAX_LENGTH + ' characters.');
  }
  var text = expression.charAt(0) === '=' ? expression.slice(1) : expression;
  var tree = new Parser(text).parse();
  if (cache.size > 1024) {
    cache.clear();
  }
  cache.set(expression, tree);
  return tree;
}
