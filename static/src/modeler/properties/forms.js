// The form of a user task or start event (spiffworkflow property
// formJsonSchemaFilename): a select of the draft's forms plus "create a new
// form" in place, which asks the server for an empty form and selects it.
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useRef, useState } from '@bpmn-io/properties-panel/preact/hooks';
import { SelectEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

import { getSpiffProperty, setSpiffProperty } from '../extensions';
import { blankToUndefined, custom, useFlytverk } from './entries';

var FORM_NAME = /^[a-z0-9][a-z0-9_-]*\.json$/;

function slugify(text) {
  return String(text || '')
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'o')
    .replace(/å/g, 'a')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function NewFormFields(props) {
  var flytverk = useFlytverk();
  var t = flytverk.t;
  var id = props.id;
  var titleState = useState('');
  var nameState = useState('');
  var nameTouched = useState(false);
  var errorState = useState(null);
  var busyState = useState(false);
  var titleRef = useRef(null);

  useEffect(function () {
    if (titleRef.current) {
      titleRef.current.focus();
    }
  }, []);

  var name = nameTouched[0] ? nameState[0] : (slugify(titleState[0]) ? slugify(titleState[0]) + '.json' : '');

  function submit(event) {
    if (event) {
      event.preventDefault();
    }
    var finalName = name.trim();
    if (!FORM_NAME.test(finalName)) {
      errorState[1](t('form_new_invalid'));
      return;
    }
    busyState[1](true);
    errorState[1](null);
    flytverk.createForm(finalName, titleState[0].trim() || finalName).then(function (result) {
      busyState[1](false);
      if (result.ok) {
        props.onCreated(result.name);
      } else {
        errorState[1](t('form_new_error', { error: result.error }));
      }
    });
  }

  function onKeyDown(event) {
    if (event.key === 'Enter') {
      submit(event);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      props.onCancel();
    }
  }

  var error = errorState[0];
  return h('div', { class: 'fv-new-form', role: 'group', 'aria-labelledby': id + '-legend' },
    h('p', { class: 'fv-new-form__legend', id: id + '-legend' }, t('form_new')),
    h('div', { class: 'bio-properties-panel-textfield' },
      h('label', { class: 'bio-properties-panel-label', for: id + '-title' }, t('form_new_title')),
      h('input', {
        id: id + '-title',
        ref: titleRef,
        type: 'text',
        class: 'bio-properties-panel-input',
        autocomplete: 'off',
        value: titleState[0],
        onInput: function (event) {
          titleState[1](event.target.value);
        },
        onKeyDown: onKeyDown,
      })
    ),
    h('div', { class: 'bio-properties-panel-textfield' },
      h('label', { class: 'bio-properties-panel-label', for: id + '-name' }, t('form_new_name')),
      h('input', {
        id: id + '-name',
        type: 'text',
        class: 'bio-properties-panel-input',
        autocomplete: 'off',
        spellcheck: false,
        'aria-describedby': id + '-name-hint' + (error ? ' ' + id + '-error' : ''),
        'aria-invalid': error ? 'true' : undefined,
        value: name,
        onInput: function (event) {
          nameTouched[1](true);
          nameState[1](event.target.value);
        },
        onKeyDown: onKeyDown,
      }),
      h('p', { class: 'bio-properties-panel-description', id: id + '-name-hint' }, t('form_new_name_hint'))
    ),
    error ? h('p', { class: 'fv-inline-error', id: id + '-error', role: 'alert' }, error) : null,
    h('div', { class: 'fv-button-row' },
      h('button', { type: 'button', class: 'fv-pp-button fv-pp-button--primary', onClick: submit, disabled: busyState[0] }, t('form_new_create')),
      h('button', { type: 'button', class: 'fv-pp-button', onClick: props.onCancel }, t('form_new_cancel'))
    )
  );
}

function FormEntry(props) {
  var element = props.element;
  var id = props.id;
  var flytverk = useFlytverk();
  var injector = useService('injector');
  var t = flytverk.t;
  var bo = getBusinessObject(element);
  var value = getSpiffProperty(bo, 'formJsonSchemaFilename') || '';
  var creatingState = useState(false);
  var creating = creatingState[0];
  var openerRef = useRef(null);
  var returnFocus = useRef(null);

  useEffect(function () {
    creatingState[1](false);
  }, [element]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(function () {
    if (!creating && returnFocus.current) {
      var target = returnFocus.current === 'select'
        ? document.getElementById('bio-properties-panel-' + id)
        : openerRef.current;
      returnFocus.current = null;
      if (target) {
        target.focus();
      }
    }
  }, [creating, id]);

  var forms = flytverk.options.forms || [];
  var options = [{ value: '', label: t('none') }].concat(forms.map(function (name) {
    return { value: name, label: name };
  }));
  if (value && forms.indexOf(value) === -1) {
    options.push({ value: value, label: t('unknown_value', { value: value }) });
  }

  return h('div', { class: 'fv-form-entry' },
    h(SelectEntry, {
      element: element,
      id: id,
      label: t('form'),
      getValue: function () {
        return value;
      },
      setValue: function (newValue) {
        setSpiffProperty(injector, element, 'formJsonSchemaFilename', blankToUndefined(newValue));
      },
      getOptions: function () {
        return options;
      },
    }),
    h('div', { class: 'bio-properties-panel-entry fv-new-form-entry' }, creating
      ? h(NewFormFields, {
        id: id + '-new',
        onCancel: function () {
          returnFocus.current = 'opener';
          creatingState[1](false);
        },
        onCreated: function (name) {
          if (forms.indexOf(name) === -1) {
            forms.push(name);
            forms.sort();
          }
          returnFocus.current = 'select';
          creatingState[1](false);
          setSpiffProperty(injector, element, 'formJsonSchemaFilename', name);
          flytverk.notify(t('form_created', { name: name }));
        },
      })
      : h('button', {
        type: 'button',
        ref: openerRef,
        class: 'fv-pp-button fv-new-form-opener',
        onClick: function () {
          creatingState[1](true);
        },
      }, t('form_new')))
  );
}

/** The entry: #bio-properties-panel-flytverk-form (+ -new-title, -new-name). */
export function formEntry() {
  return custom('flytverk-form', FormEntry);
}
