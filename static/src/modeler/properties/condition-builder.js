// The condition builder: field, operator and value over the fields of the
// process's forms and decision outputs (GET …/fields), written as the flow's
// Python condition. The raw expression stays editable below it ("Avansert");
// a simple expression is read back into the builder.
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';

import { useFlytverk } from './entries';

var OPERATORS = {
  text: ['eq', 'ne', 'in'],
  choice: ['eq', 'ne', 'in'],
  number: ['eq', 'ne', 'gt', 'lt', 'ge', 'le'],
  date: ['eq', 'gt', 'lt'],
  boolean: ['true', 'false'],
  list: ['contains'],
};
var SYMBOLS = { eq: '==', ne: '!=', gt: '>', lt: '<', ge: '>=', le: '<=' };
var NAME = '[A-Za-z_][A-Za-z0-9_]*';
var LITERAL = '("(?:[^"\\\\]|\\\\.)*"|\'(?:[^\'\\\\]|\\\\.)*\'|-?\\d+(?:\\.\\d+)?|True|False)';

var cache = {};

/**
 * The fields endpoint's list (a promise). `fresh` asks again (a form may
 * have been added or changed in another tab since); the cached list answers
 * meanwhile when there is one.
 */
export function loadFields(url, fresh) {
  if (!url) {
    return Promise.resolve([]);
  }
  if (fresh && cache[url]) {
    var previous = cache[url];
    delete cache[url];
    return loadFields(url).then(function (list) {
      return list.length ? list : previous;
    });
  }
  if (!cache[url]) {
    cache[url] = fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.ok ? res.json() : { fields: [] };
      })
      .then(function (body) {
        return (body && body.fields) || [];
      }, function () {
        delete cache[url];
        return [];
      });
  }
  return cache[url];
}

function fieldsUrl() {
  var app = document.getElementById('modeler-app');
  var data = app ? app.dataset : {};
  if (data.fieldsUrl) {
    return data.fieldsUrl;
  }
  return data.optionsUrl ? data.optionsUrl.replace(/options$/, 'fields') : null;
}

function literalValue(text) {
  if (/^["']/.test(text)) {
    var inner = text.slice(1, -1);
    return inner.replace(/\\(.)/g, '$1');
  }
  if (text === 'True' || text === 'False') {
    return text;
  }
  return text;
}

/** {key, op, value} from a simple expression, or null when it is not one. */
export function parseCondition(expression) {
  var text = String(expression || '').trim();
  if (!text) {
    return { key: '', op: '', value: '' };
  }
  var match = new RegExp('^(' + NAME + ')$').exec(text);
  if (match && match[1] !== 'True' && match[1] !== 'False') {
    return { key: match[1], op: 'true', value: '' };
  }
  match = new RegExp('^not\\s+(' + NAME + ')$').exec(text);
  if (match) {
    return { key: match[1], op: 'false', value: '' };
  }
  match = new RegExp('^(' + NAME + ')\\s*(==|!=|>=|<=|>|<)\\s*' + LITERAL + '$').exec(text);
  if (match) {
    var op = Object.keys(SYMBOLS).filter(function (key) {
      return SYMBOLS[key] === match[2];
    })[0];
    return { key: match[1], op: op, value: literalValue(match[3]) };
  }
  match = new RegExp('^(' + NAME + ')\\s+in\\s+\\[\\s*(' + LITERAL + '(?:\\s*,\\s*' + LITERAL + ')*)?\\s*\\]$').exec(text);
  if (match) {
    var items = (match[2] || '').match(new RegExp(LITERAL, 'g')) || [];
    return { key: match[1], op: 'in', value: items.map(literalValue).join(', ') };
  }
  match = new RegExp('^' + LITERAL + '\\s+in\\s+(' + NAME + ')$').exec(text);
  if (match) {
    return { key: match[2], op: 'contains', value: literalValue(match[1]) };
  }
  return null;
}

function quote(value) {
  return JSON.stringify(String(value));
}

function literal(value, type) {
  var text = String(value).trim();
  if (type === 'number' && /^-?\d+(?:[.,]\d+)?$/.test(text)) {
    return text.replace(',', '.');
  }
  return quote(text);
}

/** The Python expression for {key, op, value} on a field of `type`, or '' when incomplete. */
export function writeCondition(state, type) {
  if (!state.key || !state.op) {
    return '';
  }
  if (state.op === 'true') {
    return state.key;
  }
  if (state.op === 'false') {
    return 'not ' + state.key;
  }
  if (state.value === '' || state.value === undefined || state.value === null) {
    return '';
  }
  if (state.op === 'in') {
    var items = String(state.value).split(',').map(function (item) {
      return item.trim();
    }).filter(Boolean);
    return state.key + ' in [' + items.map(function (item) {
      return literal(item, type);
    }).join(', ') + ']';
  }
  if (state.op === 'contains') {
    return quote(state.value) + ' in ' + state.key;
  }
  return state.key + ' ' + SYMBOLS[state.op] + ' ' + literal(state.value, type);
}

function control(id, label, input) {
  return h('div', { class: 'bio-properties-panel-entry fv-condition-part' },
    h('label', { for: id, class: 'bio-properties-panel-label' }, label),
    input);
}

function selectInput(id, value, options, onChange) {
  return h('select', {
    id: id,
    name: id,
    class: 'bio-properties-panel-input',
    value: value,
    onChange: function (event) {
      onChange(event.target.value);
    },
  }, options.map(function (option) {
    return h('option', { value: option.value, selected: option.value === value }, option.label);
  }));
}

/** The builder: props {element, id, getValue, setValue}. */
export function ConditionBuilder(props) {
  var t = useFlytverk().t;
  var expression = props.getValue() || '';
  var parsed = parseCondition(expression);
  var fieldsState = useState(null);
  var fields = fieldsState[0];
  var setFields = fieldsState[1];
  var draftState = useState(parsed || { key: '', op: '', value: '' });
  var draft = draftState[0];
  var setDraft = draftState[1];

  useEffect(function () {
    var live = true;
    loadFields(fieldsUrl(), true).then(function (list) {
      if (live) {
        setFields(list);
      }
    });
    return function () {
      live = false;
    };
  }, []);
  useEffect(function () {
    var again = parseCondition(expression);
    if (again && writeCondition(draft, typeOf(draft.key)) !== expression) {
      setDraft(again);
    }
  }, [props.element, expression]); // eslint-disable-line react-hooks/exhaustive-deps

  function fieldFor(key) {
    return (fields || []).filter(function (field) {
      return field.key === key;
    })[0] || null;
  }
  function typeOf(key) {
    var field = fieldFor(key);
    return field ? field.type : 'text';
  }
  function change(next) {
    var state = Object.assign({}, draft, next);
    var type = typeOf(state.key);
    if (next.key !== undefined && next.key !== draft.key) {
      state.value = ''; // the old field's value means nothing for the new one
    }
    if (next.key !== undefined && OPERATORS[type].indexOf(state.op) === -1) {
      state.op = OPERATORS[type][0];
    }
    setDraft(state);
    var written = writeCondition(state, type);
    if (written && written !== expression) {
      props.setValue(written);
    }
  }

  var base = props.id;
  if (parsed === null) {
    return h('div', { class: 'bio-properties-panel-entry fv-condition-builder', 'data-entry-id': base },
      h('p', { class: 'bio-properties-panel-description fv-note' }, t('condition_builder_advanced')));
  }
  var field = fieldFor(draft.key);
  var type = field ? field.type : 'text';
  var fieldOptions = [{ value: '', label: t('condition_choose_field') }].concat((fields || []).map(function (f) {
    return { value: f.key, label: f.label && f.label !== f.key ? f.label + ' (' + f.key + ')' : f.key };
  }));
  if (draft.key && !field) {
    fieldOptions.push({ value: draft.key, label: draft.key });
  }
  var parts = [
    control(base + '-field', t('condition_field'),
      selectInput(base + '-field', draft.key, fieldOptions, function (key) {
        change({ key: key });
      })),
  ];
  if (draft.key) {
    parts.push(control(base + '-operator', t('condition_operator'),
      selectInput(base + '-operator', draft.op, OPERATORS[type].map(function (op) {
        return { value: op, label: t('condition_op_' + op) };
      }), function (op) {
        change({ op: op });
      })));
  }
  if (draft.key && draft.op && draft.op !== 'true' && draft.op !== 'false') {
    var options = field && field.options && field.options.length && draft.op !== 'in' ? field.options : null;
    var valueInput = options
      ? selectInput(base + '-value', String(draft.value || ''), [{ value: '', label: t('condition_choose_value') }]
        .concat(options.map(function (o) {
          return { value: String(o.value), label: o.label };
        })), function (value) {
        change({ value: value });
      })
      : h('input', {
        id: base + '-value',
        name: base + '-value',
        class: 'bio-properties-panel-input',
        type: type === 'number' ? 'text' : type === 'date' ? 'date' : 'text',
        inputmode: type === 'number' ? 'decimal' : undefined,
        value: draft.value || '',
        onChange: function (event) {
          change({ value: event.target.value });
        },
      });
    parts.push(control(base + '-value', draft.op === 'in' ? t('condition_values') : t('condition_value'), valueInput));
  }
  return h('div', { class: 'fv-condition-builder', 'data-entry-id': base, role: 'group', 'aria-label': t('condition_builder') },
    parts);
}
