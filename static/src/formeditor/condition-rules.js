// What the form editor's condition builder ("Vis feltet når …") writes into a
// component's `conditional.hide`, and reading such an expression back. Pure
// functions, no DOM: tests/forms/test_builder_conditions.py runs them under
// node and checks every shape against forms/checks.py and forms/visibility.py.
//
// The expressions are in our FEEL subset (forms/expressions.py), not full FEEL.
// `hide` is the opposite of "show when", and a hidden or empty field is null,
// so each shape is chosen to hide the component when the field has no value
// (except "is not equal to" and "is empty", which hold for an empty field):
//
//   show when                 hide (k: the field's key, v: the value)
//   text/choice  = v          =k != "v"
//   text/choice  ≠ v          =k = "v"
//   number       = v / ≠ v    =k != v / =k = v
//   number       > v          =k = null or k <= v     (≥: <, <: >=, ≤: >)
//   filled in / empty         =k = null / =k != null
//   ticked / not ticked       =k != true / =k = true
//   list contains v           =not("v" in k)

// Component type -> kind of value (what the operators depend on).
export var KINDS = {
  textfield: 'text',
  textarea: 'text',
  number: 'number',
  checkbox: 'checkbox',
  radio: 'choice',
  select: 'choice',
  checklist: 'list',
  taglist: 'list',
  datetime: 'date',
};

export var OPERATORS = {
  text: ['eq', 'ne', 'filled', 'empty'],
  number: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  checkbox: ['checked', 'unchecked'],
  choice: ['is', 'is_not'],
  list: ['contains'],
  date: ['filled', 'empty'],
};

var WITHOUT_VALUE = ['filled', 'empty', 'checked', 'unchecked'];
// "show when k > v" is "hide when k is empty or k <= v", and so on.
var ORDER = { gt: '<=', ge: '<', lt: '>=', le: '>' };
var KEYWORDS = ['true', 'false', 'null', 'and', 'or', 'not', 'in'];
var LETTER = 'A-Za-z_\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff';
var NAME = '[' + LETTER + '][' + LETTER + '0-9]*';
var STRING = '"(?:[^"\\\\]|\\\\["\\\\nrt])*"';
var NUMBER = '-?[0-9]+(?:\\.[0-9]+)?';
var START = '^\\s*=?\\s*';
var END = '\\s*$';
var COMPARE = new RegExp(START + '(' + NAME + ')\\s*(!=|=)\\s*(' + STRING + '|' + NUMBER + '|null|true)' + END);
var RANGE = new RegExp(START + '(' + NAME + ')\\s*=\\s*null\\s+or\\s+(' + NAME + ')\\s*(<=|>=|<|>)\\s*(' + NUMBER + ')' + END);
var CONTAINS = new RegExp(START + 'not\\s*\\(\\s*(' + STRING + ')\\s*in\\s+(' + NAME + ')\\s*\\)' + END);
var NAME_ONLY = new RegExp('^' + NAME + '$');
var ESCAPES = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };
var IDENTIFIER_LENGTHS = { fodselsnummer: 11, organisasjonsnummer: 9, postnummer: 4, kontonummer: 11 };

export var EMPTY = { key: '', op: '', value: '' };

/** True for an operator that compares with a value. */
export function needsValue(op) {
  return !!op && WITHOUT_VALUE.indexOf(op) === -1;
}

/** True when `key` can be named in an expression (a grammar name, not a keyword). */
export function isNameable(key) {
  return typeof key === 'string' && NAME_ONLY.test(key) && KEYWORDS.indexOf(key) === -1;
}

function quote(text) {
  return '"' + text.replace(/[\\"\n\r\t]/g, function (char) {
    return { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' }[char];
  }) + '"';
}

function unquote(literal) {
  return literal.slice(1, -1).replace(/\\(.)/g, function (all, char) {
    return ESCAPES[char];
  });
}

/** A number as the builder writes it ("2,5" -> "2.5"), or null if it is not one. */
export function numberLiteral(text) {
  var compact = String(text).replace(/[\s\u00a0\u202f]/g, '').replace(',', '.').replace(/^\u2212/, '-');
  return new RegExp('^' + NUMBER + '$').test(compact) ? compact : null;
}

// The value a text field's condition sees: stripped, a Norwegian identifier
// without its spaces (and dots for an account number), as forms/values.py does.
function textValue(text, field) {
  var value = String(text).trim();
  var kind = field && field.properties ? field.properties.type : '';
  var length = IDENTIFIER_LENGTHS[kind];
  if (length) {
    var compact = value.replace(kind === 'kontonummer' ? /[\s.]/g : /\s/g, '');
    if (/^[0-9]+$/.test(compact) && compact.length === length) {
      return compact;
    }
  }
  return value;
}

/**
 * The `conditional.hide` expression for a builder state {key, op, value} on
 * `field` (a candidate from candidateFields), or '' when it is incomplete.
 */
export function writeHide(state, field) {
  var kind = field ? field.kind : null;
  if (!state || !kind || !isNameable(state.key) || OPERATORS[kind].indexOf(state.op) === -1) {
    return '';
  }
  var k = state.key;
  var op = state.op;
  if (op === 'filled') {
    return '=' + k + ' = null';
  }
  if (op === 'empty') {
    return '=' + k + ' != null';
  }
  if (op === 'checked') {
    return '=' + k + ' != true';
  }
  if (op === 'unchecked') {
    return '=' + k + ' = true';
  }
  var v;
  if (kind === 'number') {
    v = numberLiteral(state.value);
  } else {
    var text = kind === 'text' ? textValue(state.value, field) : String(state.value);
    v = text === '' ? null : quote(text);
  }
  if (v === null) {
    return '';
  }
  if (op === 'eq' || op === 'is') {
    return '=' + k + ' != ' + v;
  }
  if (op === 'ne' || op === 'is_not') {
    return '=' + k + ' = ' + v;
  }
  if (op === 'contains') {
    return '=not(' + v + ' in ' + k + ')';
  }
  return '=' + k + ' = null or ' + k + ' ' + ORDER[op] + ' ' + v;
}

function compareState(key, symbol, literal, kind) {
  var equal = symbol === '=';
  if (literal === 'null') {
    return kind === 'text' || kind === 'date' ? { key: key, op: equal ? 'filled' : 'empty', value: '' } : null;
  }
  if (literal === 'true') {
    return kind === 'checkbox' ? { key: key, op: equal ? 'unchecked' : 'checked', value: '' } : null;
  }
  if (literal.charAt(0) === '"') {
    if (kind === 'text') {
      return { key: key, op: equal ? 'ne' : 'eq', value: unquote(literal) };
    }
    return kind === 'choice' ? { key: key, op: equal ? 'is_not' : 'is', value: unquote(literal) } : null;
  }
  return kind === 'number' ? { key: key, op: equal ? 'ne' : 'eq', value: literal } : null;
}

// The expression without the spaces between tokens (those in strings stay).
function squeeze(text) {
  return text.replace(/("(?:[^"\\]|\\[\s\S])*")|\s+/g, function (all, literal) {
    return literal || '';
  });
}

function parseShape(text, kindOf) {
  var match = COMPARE.exec(text);
  if (match) {
    return compareState(match[1], match[2], match[3], kindOf(match[1]));
  }
  match = RANGE.exec(text);
  if (match && match[1] === match[2] && kindOf(match[1]) === 'number') {
    var op = Object.keys(ORDER).filter(function (name) {
      return ORDER[name] === match[3];
    })[0];
    return { key: match[1], op: op, value: match[4] };
  }
  match = CONTAINS.exec(text);
  if (match && kindOf(match[2]) === 'list') {
    return { key: match[2], op: 'contains', value: unquote(match[1]) };
  }
  return null;
}

/**
 * The builder state for an existing `hide` expression over `fields`
 * (candidateFields): EMPTY when there is none, null when it is not a shape
 * the builder writes for that field (an "advanced" condition).
 */
export function readHide(expression, fields) {
  var text = typeof expression === 'string' ? expression : '';
  if (!text.trim() || text.trim() === '=') {
    return EMPTY;
  }
  var byKey = {};
  (fields || []).forEach(function (field) {
    byKey[field.key] = field;
  });
  var state = parseShape(text, function (key) {
    return byKey[key] && KEYWORDS.indexOf(key) === -1 ? byKey[key].kind : null;
  });
  // the shape must be exactly one the builder writes (up to spaces and the "=")
  if (!state || squeeze(writeHide(state, byKey[state.key])) !== squeeze(text).replace(/^=?/, '=')) {
    return null;
  }
  return state;
}

function optionsOf(component) {
  return (Array.isArray(component.values) ? component.values : []).filter(function (option) {
    return option && (typeof option.value === 'string' || typeof option.value === 'number') && option.value !== '';
  }).map(function (option) {
    var value = String(option.value);
    return { value: value, label: option.label ? String(option.label) : value };
  });
}

function pathTo(components, target, trail) {
  for (var i = 0; i < (components || []).length; i++) {
    var component = components[i];
    if (component === target) {
      return trail;
    }
    var found = pathTo(component.components, target, trail.concat([component]));
    if (found) {
      return found;
    }
  }
  return null;
}

/**
 * The fields a condition on `selected` can use, in document order: the
 * form's inputs of a kind the builder knows, except `selected` and what is
 * inside it. A dynamic list's fields only for components in that list (its
 * rows are a namespace of their own). [{key, label, type, kind, options,
 * properties}].
 */
export function candidateFields(root, selected) {
  var ancestors = pathTo(root && root.components, selected, []) || [];
  var out = [];
  function walk(components) {
    (components || []).forEach(function (component) {
      if (!component || component === selected) {
        return;
      }
      if (component.type === 'dynamiclist' && ancestors.indexOf(component) === -1) {
        return;
      }
      var kind = KINDS[component.type];
      if (kind && isNameable(component.key)) {
        out.push({
          key: component.key,
          label: component.label ? String(component.label) : '',
          type: component.type,
          kind: kind,
          options: optionsOf(component),
          properties: component.properties || {},
        });
      }
      walk(component.components);
    });
  }
  walk(root && root.components);
  return out;
}

/** "Label (key)", or the key alone when there is no label. */
export function fieldLabel(field) {
  return field.label && field.label !== field.key ? field.label + ' (' + field.key + ')' : field.key;
}
