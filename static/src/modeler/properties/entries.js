// Building blocks of the Flytverk properties groups: one factory for the
// stock entries (text area, text field, number, checkbox, select), the
// "known values or other" choice, notes and groups. Components are plain
// functions rendered by the panel's bundled Preact (no JSX build step).
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useState } from '@bpmn-io/properties-panel/preact/hooks';
import {
  CheckboxEntry,
  Group,
  NumberFieldEntry,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isNumberFieldEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';

var OTHER = '__flytverk_other__';

export function useFlytverk() {
  return useService('flytverk');
}

export function blankToUndefined(value) {
  return value === '' || value === null ? undefined : value;
}

/** "Name (id)", or the id alone when there is no other name. */
export function labelled(id, name) {
  return name && name !== id ? name + ' (' + id + ')' : id;
}

/* ------------------------------------------------------------------ */
/* Stock entries. The panel spreads each entry definition into its     */
/* component's props; the component function itself must be the same  */
/* on every render or Preact remounts it (and focus is lost), so each  */
/* kind gets one component, made once, that passes the props on.        */
/* ------------------------------------------------------------------ */

function entryKind(Entry, isEdited, spec) {
  function Component(props) {
    var attrs = Object.assign({}, props);
    Object.keys(spec.defaults || {}).forEach(function (key) {
      if (attrs[key] === undefined) {
        attrs[key] = spec.defaults[key];
      }
    });
    if (spec.debounced) {
      attrs.debounce = useService('debounceInput');
    }
    return h(Entry, attrs);
  }
  /** (id, label, getValue, setValue, {description, rows, validate, getOptions …}) */
  return function (id, label, getValue, setValue, opts) {
    return Object.assign({
      id: id,
      component: Component,
      label: label,
      getValue: getValue,
      setValue: setValue,
      isEdited: isEdited,
    }, opts);
  };
}

export var textArea = entryKind(TextAreaEntry, isTextAreaEntryEdited, { debounced: true, defaults: { rows: 4, autoResize: true } });
export var textField = entryKind(TextFieldEntry, isTextFieldEntryEdited, { debounced: true });
export var numberField = entryKind(NumberFieldEntry, isNumberFieldEntryEdited, { debounced: true });
export var checkbox = entryKind(CheckboxEntry, isCheckboxEntryEdited, {});
export var select = entryKind(SelectEntry, isSelectEntryEdited, {});

/** An entry with its own component (`props` are spread into it). */
export function custom(id, component, props) {
  return Object.assign({ id: id, component: component, isEdited: isSelectEntryEdited }, props);
}

function NoteComponent(props) {
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': props.id },
    h('p', { class: 'bio-properties-panel-description fv-note' }, props.text));
}

/** A short explanation in place of an entry. */
export function note(id, text) {
  return { id: id, component: NoteComponent, text: text };
}

/** A properties group; `shouldOpen` unless opts.closed. */
export function group(id, label, entries, opts) {
  return { id: id, label: label, component: Group, entries: entries, shouldOpen: !(opts && opts.closed) };
}

/* ------------------------------------------------------------------ */
/* Known values plus "Other …"                                         */
/* ------------------------------------------------------------------ */

/**
 * A select of known values plus "Other …", which reveals a text field for a
 * free value. Values not in the list are shown in the text field.
 */
function ChoiceEntry(props) {
  var element = props.element;
  var t = useFlytverk().t;
  var debounce = useService('debounceInput');
  var value = props.getValue() || '';
  var options = props.getOptions();
  var known = options.some(function (option) {
    return option.value === value;
  });
  var initialOther = !!value && !known;
  var state = useState(initialOther);
  var otherMode = state[0];
  var setOtherMode = state[1];

  useEffect(function () {
    setOtherMode(!!value && !known);
  }, [element]); // eslint-disable-line react-hooks/exhaustive-deps

  var showOther = otherMode || initialOther;
  var selectOptions = [{ value: '', label: t('none') }].concat(options, [{ value: OTHER, label: t('other') }]);

  return h('div', { class: 'fv-choice' },
    h(SelectEntry, {
      element: element,
      id: props.id,
      label: props.label,
      description: showOther ? undefined : props.description,
      getValue: function () {
        return showOther ? OTHER : value;
      },
      setValue: function (newValue) {
        if (newValue === OTHER) {
          setOtherMode(true);
          return;
        }
        setOtherMode(false);
        props.setValue(blankToUndefined(newValue));
      },
      getOptions: function () {
        return selectOptions;
      },
    }),
    showOther ? h(TextFieldEntry, {
      element: element,
      id: props.id + '-other',
      label: props.otherLabel,
      description: props.description,
      debounce: props.commitOnBlur && debounce.manual ? debounce.manual : debounce,
      getValue: function () {
        return value;
      },
      setValue: function (newValue) {
        props.setValue(blankToUndefined(newValue));
      },
    }) : null
  );
}

/** (id, label, otherLabel, getValue, setValue, getOptions, {commitOnBlur, description}) */
export function choice(id, label, otherLabel, getValue, setValue, getOptions, opts) {
  return custom(id, ChoiceEntry, Object.assign({
    label: label,
    otherLabel: otherLabel,
    getValue: getValue,
    setValue: setValue,
    getOptions: getOptions,
  }, opts));
}
