// The "Vis feltet når …" entry of our properties group: field, comparison and
// value over the other fields of this form, written as the component's
// `conditional.hide` (condition-rules.js has the expressions) through form-js's
// modeling, so undo and the editor's dirty state work. An expression of another
// shape is left as it is: the stock "Condition" group ("Vilkår" → "Skjul hvis")
// edits it.
//
// A Preact component of our own in the editor's Preact tree (build.mjs makes
// sure `preact` here is the editor's copy), using the panel's CSS classes.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import {
  EMPTY, OPERATORS, candidateFields, fieldLabel, needsValue, numberLiteral, readHide, writeHide,
} from './condition-rules';

var ID = 'flytverk-condition';

function inputId(part) {
  return 'bio-properties-panel-' + ID + '-' + part;
}

function hideOf(field) {
  var conditional = field && field.conditional;
  return conditional && typeof conditional.hide === 'string' ? conditional.hide : '';
}

/** True for a page of a multi-page form: pages cannot have conditions. */
export function isPage(root, field) {
  var properties = (root && root.properties) || {};
  var pages = properties.pages === true || properties.pages === 'true';
  return pages && field.type === 'group' && (root.components || []).indexOf(field) !== -1;
}

function operatorText(kind, op) {
  return 'condition_op_' + (kind === 'number' && (op === 'eq' || op === 'ne') ? 'num_' + op : op);
}

function part(id, label, control, extra) {
  return h('div', { class: 'bio-properties-panel-select fv-form-condition__part' }, [
    h('label', { for: id, class: 'bio-properties-panel-label' }, label),
    control,
  ].concat(extra || []));
}

function select(id, value, options, onChange, describedBy) {
  return h('select', {
    id: id,
    name: id,
    class: 'bio-properties-panel-input',
    value: value,
    'aria-describedby': describedBy,
    onChange: function (event) {
      onChange(event.target.value);
    },
  }, options.map(function (option) {
    return h('option', { value: option.value, key: option.value, selected: option.value === value }, option.label);
  }));
}

/**
 * Props (from the entry object): field, editField, root() (the form's root
 * component), debounce (the editor's flushable service), t.
 */
export function ConditionBuilder(props) {
  var t = props.t;
  var field = props.field;
  var expression = hideOf(field);
  var fields = candidateFields(props.root(), field);
  var stored = readHide(expression, fields);
  var draftState = useState({ fieldId: field.id, state: stored || EMPTY });
  var draft = draftState[0].fieldId === field.id ? draftState[0].state : stored || EMPTY;
  var setDraft = function (state) {
    draftState[1]({ fieldId: field.id, state: state });
  };
  // the expression this builder wrote last: an echo of it must not reset the draft
  var written = useRef(null);
  var commitRef = useRef(null);
  if (!commitRef.current) {
    // the target travels with the value: a pending edit lands on its own field
    commitRef.current = props.debounce(function (edit, target, hide) {
      edit(target, 'conditional', hide ? { hide: hide } : undefined);
    });
  }
  var commit = commitRef.current;

  useEffect(function () {
    return function () {
      commit.flush();
    };
  }, [field.id, commit]);

  useEffect(function () {
    if (expression !== written.current) {
      written.current = null;
      setDraft(stored || EMPTY);
    }
  }, [field.id, expression]); // eslint-disable-line react-hooks/exhaustive-deps

  function fieldFor(key) {
    return fields.filter(function (candidate) {
      return candidate.key === key;
    })[0] || null;
  }

  function write(state, later) {
    var hide = writeHide(state, fieldFor(state.key));
    if (!hide || hide === expression) {
      commit.cancel();
      return;
    }
    written.current = hide;
    if (later) {
      commit(props.editField, field, hide);
    } else {
      commit.cancel();
      props.editField(field, 'conditional', { hide: hide });
    }
  }

  function change(next, later) {
    var state = Object.assign({}, draft, next);
    if (next.key !== undefined && next.key !== draft.key) {
      var chosen = fieldFor(next.key);
      state.op = chosen ? OPERATORS[chosen.kind][0] : '';
      state.value = ''; // the old field's value means nothing for the new one
    }
    if (!needsValue(state.op)) {
      state.value = '';
    }
    setDraft(state);
    write(state, later);
  }

  function remove() {
    commit.cancel();
    written.current = null;
    setDraft(EMPTY);
    props.editField(field, 'conditional', undefined);
  }

  var children = [h('legend', { class: 'bio-properties-panel-label fv-form-condition__legend' }, t('condition_legend'))];
  var removeButton = expression.trim()
    ? h('button', { type: 'button', class: 'fv-form-condition__remove', onClick: remove }, t('condition_remove'))
    : null;

  if (stored === null) {
    children.push(h('p', { class: 'bio-properties-panel-description' }, t('condition_advanced')));
  } else if (!fields.length) {
    children.push(h('p', { class: 'bio-properties-panel-description' }, t('condition_no_fields')));
  } else {
    var chosen = fieldFor(draft.key);
    var fieldOptions = [{ value: '', label: t('condition_choose_field') }].concat(fields.map(function (candidate) {
      return { value: candidate.key, label: fieldLabel(candidate) };
    }));
    children.push(part(inputId('field'), t('condition_field'), select(inputId('field'), chosen ? draft.key : '', fieldOptions, function (key) {
      change({ key: key });
    })));
    if (chosen) {
      children.push(part(inputId('operator'), t('condition_operator'), select(inputId('operator'), draft.op,
        OPERATORS[chosen.kind].map(function (op) {
          return { value: op, label: t(operatorText(chosen.kind, op)) };
        }), function (op) {
          change({ op: op });
        })));
    }
    if (chosen && needsValue(draft.op)) {
      children.push(valuePart(chosen, draft, change, t));
    }
  }
  if (removeButton) {
    children.push(removeButton);
  }
  return h('fieldset', { class: 'bio-properties-panel-entry fv-form-condition', 'data-entry-id': ID }, children);
}

function valuePart(chosen, draft, change, t) {
  var id = inputId('value');
  var value = String(draft.value || '');
  var options = chosen.kind === 'choice' || chosen.kind === 'list' ? chosen.options : [];
  if (options.length) {
    var list = [{ value: '', label: t('condition_choose_value') }].concat(options);
    if (value && !options.some(function (option) { return option.value === value; })) {
      list.push({ value: value, label: t('unknown_value', { value: value }) });
    }
    return part(id, t('condition_value'), select(id, value, list, function (next) {
      change({ value: next });
    }, value ? undefined : id + '-hint'), value ? [] : [hint(id, t('condition_incomplete'))]);
  }
  var number = chosen.kind === 'number';
  var invalid = number && value.trim() !== '' && numberLiteral(value) === null;
  var message = invalid ? t('condition_number_invalid') : !value.trim() ? t('condition_incomplete') : '';
  var input = h('input', {
    id: id,
    name: id,
    class: 'bio-properties-panel-input',
    type: 'text',
    autoComplete: 'off',
    inputMode: number ? 'decimal' : undefined,
    value: value,
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': message ? id + '-hint' : undefined,
    onInput: function (event) {
      change({ value: event.target.value }, true);
    },
    onBlur: function (event) {
      change({ value: event.target.value });
    },
  });
  return h('div', { class: 'bio-properties-panel-textfield fv-form-condition__part' }, [
    h('label', { for: id, class: 'bio-properties-panel-label' }, t('condition_value')),
    input,
    message ? hint(id, message, invalid) : null,
  ]);
}

function hint(id, text, error) {
  return h('p', {
    id: id + '-hint',
    class: error ? 'bio-properties-panel-error fv-form-condition__hint' : 'bio-properties-panel-description fv-form-condition__hint',
  }, text);
}
