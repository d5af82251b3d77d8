// The "Flytverk" group of the form editor's properties panel: Norwegian field
// type, where the other languages' texts are given, profile prefill and the "Vis feltet når" condition
// builder (condition-builder.js, which writes `conditional.hide`). The rest is
// stored in the component's standard `properties` map (strings), so the stock
// "Custom properties" group shows the same values and form-js round-trips them.
//
// The entries are small Preact components of our own that reuse the
// properties panel's CSS classes. They render inside the editor's Preact tree;
// build.mjs makes sure `preact` here is the editor's copy.
import { h } from 'preact';

import { ConditionBuilder, isPage } from './condition-builder';

var NORWEGIAN_TYPES = ['fodselsnummer', 'organisasjonsnummer', 'postnummer', 'kontonummer'];
var PREFILL_SOURCES = ['name', 'national_id', 'address', 'postal_code', 'city', 'email'];

// Components with a value and a description.
var INPUT_TYPES = ['textfield', 'textarea', 'number', 'checkbox', 'checklist', 'radio', 'select', 'datetime', 'filepicker'];
// Components with a label (containers have one too).
var LABELLED_TYPES = INPUT_TYPES.concat(['group', 'dynamiclist']);
var PREFILL_TYPES = ['textfield', 'textarea', 'number'];

function entryId(name) {
  return 'flytverk-' + name;
}

function inputId(name) {
  return 'bio-properties-panel-' + entryId(name);
}

function readProperty(field, name) {
  var properties = field.properties || {};
  var value = properties[name];
  return value === undefined || value === null ? '' : String(value);
}

/** Write properties[name] (removed when empty) as one undoable edit. */
function writeProperty(field, editField, name, value) {
  var current = field.properties || {};
  if ((current[name] === undefined ? '' : String(current[name])) === value) {
    return;
  }
  var next = {};
  Object.keys(current).forEach(function (key) {
    if (key !== name) {
      next[key] = current[key];
    }
  });
  if (value !== '') {
    next[name] = value;
  }
  editField(field, 'properties', next);
}

function Description(props) {
  if (!props.text) {
    return null;
  }
  return h('div', { class: 'bio-properties-panel-description', id: props.id }, props.text);
}

function LanguagesHint(props) {
  return h('div', { class: 'bio-properties-panel-entry fv-form-entry', 'data-entry-id': entryId('languages') }, [
    h(Description, { text: props.text }),
  ]);
}

function FlytverkSelect(props) {
  var id = inputId(props.name);
  var descriptionId = props.description ? id + '-description' : undefined;
  var value = props.get();
  var options = props.options.slice();
  if (value && !options.some(function (option) { return option.value === value; })) {
    options.push({ value: value, label: props.t('unknown_value', { value: value }) });
  }
  function onChange(event) {
    props.set(event.target.value);
  }
  return h('div', { class: 'bio-properties-panel-entry fv-form-entry', 'data-entry-id': entryId(props.name) }, [
    h('div', { class: 'bio-properties-panel-select' }, [
      h('label', { for: id, class: 'bio-properties-panel-label' }, props.label),
      h('select', {
        id: id,
        name: entryId(props.name),
        class: 'bio-properties-panel-input',
        value: value,
        onChange: onChange,
        'aria-describedby': descriptionId,
      }, options.map(function (option) {
        return h('option', { value: option.value, key: option.value }, option.label);
      })),
    ]),
    h(Description, { id: descriptionId, text: props.description }),
  ]);
}

function isEditedSelect(node) {
  return node && !!node.value;
}

/**
 * The properties provider (form-js-editor's `propertiesPanel.registerProvider`
 * API): adds the group right after "General".
 */
export function FlytverkPropertiesProvider(propertiesPanel, debounce, flytverkTexts, formFieldRegistry) {
  var t = flytverkTexts;

  function root() {
    return formFieldRegistry.getAll().filter(function (candidate) {
      return !candidate._parent;
    })[0] || null;
  }

  this.getGroups = function (field, editField) {
    return function (groups) {
      if (!field || field.type === 'default') {
        return groups;
      }
      var entries = [];
      function accessors(name) {
        return {
          get: function () {
            return readProperty(field, name);
          },
          set: function (value) {
            writeProperty(field, editField, name, value);
          },
        };
      }
      // `component` must be the same function on every render (Preact would
      // remount the entry and lose focus otherwise): per-field data travels
      // in the entry object, which the panel spreads into the props.
      function select(name, label, options, description) {
        var access = accessors(name);
        entries.push({
          id: entryId(name),
          component: FlytverkSelect,
          isEdited: isEditedSelect,
          name: name,
          label: label,
          options: options,
          description: description,
          fieldId: field.id,
          get: access.get,
          set: access.set,
          t: t,
        });
      }

      if (field.type === 'textfield') {
        select('type', t('field_type'), [{ value: '', label: t('type_none') }].concat(NORWEGIAN_TYPES.map(function (kind) {
          return { value: kind, label: t('type_' + kind) };
        })), t('field_type_hint'));
      }
      if (LABELLED_TYPES.indexOf(field.type) !== -1 || field.type === 'text') {
        // One place for other languages: the service's Texts page (texts.<language>.json).
        entries.push({ id: entryId('languages'), component: LanguagesHint, text: t('other_languages_hint') });
      }
      if (PREFILL_TYPES.indexOf(field.type) !== -1) {
        select('prefill', t('prefill'), [{ value: '', label: t('prefill_none') }].concat(PREFILL_SOURCES.map(function (source) {
          return { value: source, label: t('prefill_' + source) };
        })), t('prefill_hint'));
      }
      if (!isPage(root(), field)) {
        entries.push({
          id: 'flytverk-condition',
          component: ConditionBuilder,
          isEdited: isEditedSelect,
          field: field,
          fieldId: field.id,
          editField: editField,
          root: root,
          debounce: debounce,
          t: t,
        });
      }
      if (!entries.length) {
        return groups;
      }
      var group = { id: 'flytverk', label: t('group_flytverk'), entries: entries, shouldOpen: true };
      var general = -1;
      groups.forEach(function (candidate, index) {
        if (candidate && candidate.id === 'general') {
          general = index;
        }
      });
      var result = groups.slice();
      result.splice(general + 1, 0, group);
      return result;
    };
  };

  propertiesPanel.registerProvider(this, 500);
}

FlytverkPropertiesProvider.$inject = ['propertiesPanel', 'debounce', 'flytverkTexts', 'formFieldRegistry'];
