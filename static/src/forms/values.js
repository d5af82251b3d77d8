// Typing a field's submitted text exactly as the server does (forms/fields.py,
// forms/values.py), so conditions see the same data in the browser and on the
// server: numbers with a decimal comma and spaced thousands, DD.MM.YYYY dates,
// stripped text with Norwegian identifiers compacted, empty text as null.
// Pure functions, no DOM: tests/forms/test_parity.py runs them under node.

// Python's str.isspace() characters (what str.strip() and re's \s remove).
var SPACE = '\\t\\n\\u000b\\f\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a' +
  '\\u2028\\u2029\\u202f\\u205f\\u3000';
var EDGES = new RegExp('^[' + SPACE + ']+|[' + SPACE + ']+$', 'g');
var SPACES = new RegExp('[' + SPACE + ']+', 'g');
var SPACES_AND_DOTS = new RegExp('[' + SPACE + '.]+', 'g');
var DECIMAL = /^[+-]?[0-9]+(?:\.[0-9]+)?$/;
var INTEGER = /^[+-]?[0-9]+$/;
var MAX_DIGITS = 30;
// The regular expressions Python's strptime uses for %Y, %m and %d.
var Y = '([0-9]{4})';
var M = '(1[0-2]|0[1-9]|[1-9])';
var D = '(3[0-1]|[1-2][0-9]|0[1-9]|[1-9]| [1-9])';
var ISO_DATE = new RegExp('^' + Y + '-' + M + '-' + D + '$');
var NORWEGIAN_DATE = new RegExp('^' + D + '\\.' + M + '\\.' + Y + '$');
var IDENTIFIER_LENGTHS = {
  fodselsnummer: 11,
  organisasjonsnummer: 9,
  postnummer: 4,
  kontonummer: 11,
};

/** Remove leading and trailing whitespace as Python's str.strip() does. */
export function strip(text) {
  return String(text).replace(EDGES, '');
}

/** A number field's value: a number, or null when empty or not a number. */
export function parseNumber(text, integer) {
  var compact = String(text).replace(SPACES, '').replace(/,/g, '.').replace(/\u2212/g, '-');
  if (!compact || !(integer ? INTEGER : DECIMAL).test(compact)) {
    return null;
  }
  if (compact.replace(/[^0-9]/g, '').length > MAX_DIGITS) {
    return null;
  }
  var number = Number(compact);
  return isFinite(number) ? number : null;
}

function pad(number, width) {
  var text = String(number);
  while (text.length < width) {
    text = '0' + text;
  }
  return text;
}

function isLeap(year) {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function isoDate(year, month, day) {
  var days = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (year < 1 || day > days[month - 1]) {
    return null;
  }
  return pad(year, 4) + '-' + pad(month, 2) + '-' + pad(day, 2);
}

/** A date field's value: ISO text for YYYY-MM-DD or DD.MM.YYYY, else null. */
export function parseDate(text) {
  var value = strip(text);
  var match = ISO_DATE.exec(value);
  if (match) {
    return isoDate(Number(match[1]), Number(match[2]), Number(strip(match[3])));
  }
  match = NORWEGIAN_DATE.exec(value);
  if (match) {
    return isoDate(Number(match[3]), Number(match[2]), Number(strip(match[1])));
  }
  return null;
}

/** A Norwegian identifier as bare digits, or the text unchanged if it is not one. */
export function normalizeIdentifier(kind, text) {
  var length = Object.prototype.hasOwnProperty.call(IDENTIFIER_LENGTHS, kind)
    ? IDENTIFIER_LENGTHS[kind]
    : 0;
  if (!length) {
    return text;
  }
  var compact = text.replace(kind === 'kontonummer' ? SPACES_AND_DOTS : SPACES, '');
  return compact.length === length && /^[0-9]+$/.test(compact) ? compact : text;
}

/**
 * The condition value of one field from the values its controls would submit
 * (checked boxes and radios only): component is the form-js type, format the
 * wrapper's data-format ("integer" or an identifier type).
 */
export function typedValue(component, format, values) {
  var first = values.length ? String(values[0]) : null;
  switch (component) {
    case 'checkbox':
      return first !== null && first !== 'false' && first !== '';
    case 'checklist':
      return values.map(String);
    case 'filepicker':
      return null;
    case 'number':
      return first === null ? null : parseNumber(first, format === 'integer');
    case 'datetime':
      return first === null ? null : parseDate(first);
    case 'textarea':
      first = first === null ? null : first.replace(/\r\n/g, '\n').replace(/\r/g, '\n');
      break;
    default:
      break;
  }
  if (first === null) {
    return null;
  }
  var text = strip(first);
  if (!text) {
    return null;
  }
  return component === 'textfield' ? normalizeIdentifier(format || '', text) : text;
}
