// Flytverk properties provider: the Spiff dialect fields that SpiffWorkflow
// executes, on top of bpmn-js-properties-panel's own General and
// Documentation groups. Components are plain functions rendered by the
// panel's bundled Preact (no JSX build step needed).
import { h } from '@bpmn-io/properties-panel/preact';
import { useEffect, useRef, useState } from '@bpmn-io/properties-panel/preact/hooks';
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
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import {
  TIMER_TYPES,
  eventDefinition,
  execute,
  getBodyExtension,
  getOperator,
  getOperatorParameters,
  getParameterValue,
  getSpiffProperty,
  isIso8601,
  listMessageNames,
  setBodyExtension,
  setFormalExpressionCommands,
  setMessageRef,
  setOperator,
  setOperatorAttribute,
  setParameter,
  setSpiffProperty,
  timerFromStored,
  timerToStored,
} from './extensions';

var OTHER = '__flytverk_other__';
var LOW_PRIORITY = 500; // after the BPMN provider (1000): we get its groups

/* ------------------------------------------------------------------ */
/* Element classification                                             */
/* ------------------------------------------------------------------ */

function isNoneStartEvent(bo) {
  return is(bo, 'bpmn:StartEvent') && !(bo.get('eventDefinitions') || []).length;
}

function isConditionalFlow(bo) {
  return is(bo, 'bpmn:SequenceFlow') && bo.sourceRef &&
    isAny(bo.sourceRef, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway']);
}

function isTimerEvent(bo) {
  return isAny(bo, ['bpmn:StartEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent']) &&
    !!eventDefinition(bo, 'bpmn:TimerEventDefinition');
}

function messageTarget(bo) {
  if (isAny(bo, ['bpmn:ReceiveTask', 'bpmn:SendTask'])) {
    return bo;
  }
  if (is(bo, 'bpmn:Event')) {
    return eventDefinition(bo, 'bpmn:MessageEventDefinition');
  }
  return null;
}

/* ------------------------------------------------------------------ */
/* Small helpers for components                                       */
/* ------------------------------------------------------------------ */

function useFlytverk() {
  return useService('flytverk');
}

function uniqueSorted(list) {
  var seen = {};
  return list.filter(function (item) {
    if (!item || seen[item]) {
      return false;
    }
    seen[item] = true;
    return true;
  }).sort(function (a, b) {
    return a.localeCompare(b, 'nb');
  });
}

function blankToUndefined(value) {
  return value === '' || value === null ? undefined : value;
}

/**
 * A select of known values plus "Other …", which reveals a text field for a
 * free value. Values not in the list are shown in the text field.
 */
function ChoiceEntry(props) {
  var element = props.element;
  var flytverk = useFlytverk();
  var t = flytverk.t;
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

/* ---- form select + "create new form" ------------------------------ */

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

var FORM_NAME = /^[a-z0-9][a-z0-9_-]*\.json$/;

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

/* ---- lane (read-only) ---------------------------------------------- */

function collectLanes(laneSets, depth, out) {
  (laneSets || []).forEach(function (laneSet) {
    (laneSet.get('lanes') || []).forEach(function (lane) {
      out.push({ lane: lane, depth: depth });
      var child = lane.get('childLaneSet');
      if (child) {
        collectLanes([child], depth + 1, out);
      }
    });
  });
  return out;
}

/** Name of the innermost lane holding the element (or its sub-process). */
function findLaneName(element) {
  var current = getBusinessObject(element);
  while (current) {
    var container = current.$parent;
    while (container && !is(container, 'bpmn:Process') && !is(container, 'bpmn:SubProcess')) {
      container = container.$parent;
    }
    if (!container) {
      return null;
    }
    var laneSets = is(container, 'bpmn:Process') ? container.get('laneSets') : container.get('laneSets');
    var target = current;
    var matches = collectLanes(laneSets, 0, []).filter(function (entry) {
      return (entry.lane.get('flowNodeRef') || []).indexOf(target) !== -1;
    }).sort(function (a, b) {
      return b.depth - a.depth;
    });
    if (matches.length) {
      return matches[0].lane.get('name') || matches[0].lane.get('id');
    }
    current = is(container, 'bpmn:SubProcess') ? container : null;
  }
  return null;
}

function LaneEntry(props) {
  var flytverk = useFlytverk();
  var t = flytverk.t;
  var lane = findLaneName(props.element);
  var knownLanes = flytverk.options.lanes || [];
  var unknown = lane && knownLanes.length && knownLanes.indexOf(lane) === -1;
  return h('div', { class: 'bio-properties-panel-entry fv-readonly-entry', 'data-entry-id': props.id },
    h('p', { class: 'bio-properties-panel-label', id: 'bio-properties-panel-' + props.id + '-label' }, t('lane')),
    h('p', {
      class: 'fv-readonly-value' + (lane ? '' : ' fv-readonly-value--empty'),
      id: 'bio-properties-panel-' + props.id,
    }, lane || t('lane_none')),
    unknown ? h('p', { class: 'fv-inline-warning' }, t('lane_unknown', { lane: lane })) : null,
    h('p', { class: 'bio-properties-panel-description' }, t('lane_hint'))
  );
}

/* ---- timer ------------------------------------------------------------ */

function timerType(definition) {
  for (var i = 0; i < TIMER_TYPES.length; i++) {
    if (definition.get(TIMER_TYPES[i])) {
      return TIMER_TYPES[i];
    }
  }
  return '';
}

function TimerEntries(props) {
  var element = props.element;
  var flytverk = useFlytverk();
  var t = flytverk.t;
  var injector = useService('injector');
  var bpmnFactory = useService('bpmnFactory');
  var debounce = useService('debounceInput');
  var definition = eventDefinition(getBusinessObject(element), 'bpmn:TimerEventDefinition');
  var type = timerType(definition);
  var expression = type ? definition.get(type) : null;
  var shown = expression ? timerFromStored(expression.get('body')) : '';
  var rawBody = expression ? (expression.get('body') || '').trim() : '';
  var isExpression = shown && !isIso8601(shown) && shown === rawBody;
  var hints = {
    timeDuration: t('timer_hint_duration'),
    timeDate: t('timer_hint_date'),
    timeCycle: t('timer_hint_cycle'),
    '': t('timer_hint_duration'),
  };

  function createExpression(body) {
    var expr = bpmnFactory.create('bpmn:FormalExpression', body ? { body: body } : {});
    expr.$parent = definition;
    return expr;
  }

  function setType(newType) {
    if (!newType || newType === type) {
      return;
    }
    var props = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    props[newType] = createExpression(expression ? expression.get('body') : undefined);
    execute(injector, [{
      cmd: 'element.updateModdleProperties',
      context: { element: element, moddleElement: definition, properties: props },
    }]);
  }

  function setValue(value) {
    var stored = timerToStored(value);
    var useType = type || 'timeDuration';
    if (expression) {
      execute(injector, [{
        cmd: 'element.updateModdleProperties',
        context: { element: element, moddleElement: expression, properties: { body: stored || undefined } },
      }]);
    } else {
      var props = {};
      props[useType] = createExpression(stored);
      execute(injector, [{
        cmd: 'element.updateModdleProperties',
        context: { element: element, moddleElement: definition, properties: props },
      }]);
    }
  }

  var typeOptions = [
    { value: 'timeDuration', label: t('timer_type_duration') },
    { value: 'timeDate', label: t('timer_type_date') },
    { value: 'timeCycle', label: t('timer_type_cycle') },
  ];
  if (!type) {
    typeOptions.unshift({ value: '', label: t('none') });
  }

  return h('div', { class: 'fv-timer' },
    h(SelectEntry, {
      element: element,
      id: props.id + '-type',
      label: t('timer_type'),
      getValue: function () {
        return type;
      },
      setValue: setType,
      getOptions: function () {
        return typeOptions;
      },
    }),
    h(TextFieldEntry, {
      element: element,
      id: props.id + '-value',
      label: t('timer_value'),
      description: isExpression ? t('timer_expression') : hints[type],
      debounce: debounce,
      getValue: function () {
        return shown;
      },
      setValue: setValue,
    })
  );
}

/* ------------------------------------------------------------------ */
/* Stable entry components. The panel spreads each entry definition   */
/* into its component's props; the component function itself must be  */
/* the same on every render or Preact remounts it (and focus is lost). */
/* ------------------------------------------------------------------ */

function TextAreaComponent(props) {
  var debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    monospace: !!props.monospace,
    rows: props.rows || 4,
    autoResize: true,
    debounce: debounce,
    getValue: props.getValue,
    setValue: props.setValue,
  });
}

function TextFieldComponent(props) {
  var debounce = useService('debounceInput');
  return h(TextFieldEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    debounce: debounce,
    getValue: props.getValue,
    setValue: props.setValue,
  });
}

function NumberComponent(props) {
  var debounce = useService('debounceInput');
  return h(NumberFieldEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    min: props.min,
    step: props.step,
    debounce: debounce,
    getValue: props.getValue,
    setValue: props.setValue,
    validate: props.validate,
  });
}

function CheckboxComponent(props) {
  return h(CheckboxEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    getValue: props.getValue,
    setValue: props.setValue,
  });
}

function SelectComponent(props) {
  return h(SelectEntry, {
    element: props.element,
    id: props.id,
    label: props.label,
    description: props.description,
    getValue: props.getValue,
    setValue: props.setValue,
    getOptions: props.getOptions,
  });
}

function NoteComponent(props) {
  return h('div', { class: 'bio-properties-panel-entry', 'data-entry-id': props.id },
    h('p', { class: 'bio-properties-panel-description fv-note' }, props.text));
}

function textArea(id, label, getValue, setValue, opts) {
  opts = opts || {};
  return {
    id: id,
    component: TextAreaComponent,
    label: label,
    description: opts.description,
    monospace: opts.monospace,
    rows: opts.rows,
    getValue: getValue,
    setValue: setValue,
    isEdited: isTextAreaEntryEdited,
  };
}

function textField(id, label, getValue, setValue, opts) {
  opts = opts || {};
  return {
    id: id,
    component: TextFieldComponent,
    label: label,
    description: opts.description,
    getValue: getValue,
    setValue: setValue,
    isEdited: isTextFieldEntryEdited,
  };
}

function taskGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  var entries = [];
  var formCapable = is(bo, 'bpmn:UserTask') || isNoneStartEvent(bo);
  if (formCapable) {
    entries.push({ id: 'flytverk-form', component: FormEntry, isEdited: isSelectEntryEdited });
  }
  if (formCapable || is(bo, 'bpmn:ManualTask')) {
    entries.push({ id: 'flytverk-lane', component: LaneEntry });
    entries.push(textArea('flytverk-instructions', t('instructions'), function () {
      return getBodyExtension(bo, 'spiffworkflow:InstructionsForEndUser');
    }, function (value) {
      setBodyExtension(injector, element, 'spiffworkflow:InstructionsForEndUser', value);
    }, { rows: 6 }));
  }
  if (is(bo, 'bpmn:UserTask')) {
    entries.push({
      id: 'flytverk-due',
      component: NumberComponent,
      label: t('due_in_days'),
      description: t('due_hint'),
      min: 0,
      step: 1,
      getValue: function () {
        var value = getSpiffProperty(bo, 'dueInDays');
        return value === undefined ? '' : value;
      },
      setValue: function (value) {
        var clean = value === undefined || value === null || isNaN(value) ? undefined : String(Math.max(0, Math.round(value)));
        setSpiffProperty(injector, element, 'dueInDays', clean);
      },
      validate: function (value) {
        if (value === undefined || value === null || value === '') {
          return null;
        }
        return /^\d+$/.test(String(value)) ? null : t('due_invalid');
      },
      isEdited: isNumberFieldEntryEdited,
    });
  }
  if (!entries.length) {
    return null;
  }
  return { id: 'flytverk-task', label: t('group_task'), component: Group, entries: entries, shouldOpen: true };
}

function scriptGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:ScriptTask')) {
    return null;
  }
  return {
    id: 'flytverk-script',
    label: t('group_script'),
    component: Group,
    shouldOpen: true,
    entries: [textArea('flytverk-script', t('script'), function () {
      return bo.get('script') || '';
    }, function (value) {
      injector.get('modeling').updateProperties(element, { script: blankToUndefined(value) });
    }, { monospace: true, rows: 10 })],
  };
}

function prePostGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:Activity')) {
    return null;
  }
  return {
    id: 'flytverk-scripts',
    label: t('group_scripts'),
    component: Group,
    entries: [
      textArea('flytverk-prescript', t('pre_script'), function () {
        return getBodyExtension(bo, 'spiffworkflow:PreScript');
      }, function (value) {
        setBodyExtension(injector, element, 'spiffworkflow:PreScript', value);
      }, { monospace: true }),
      textArea('flytverk-postscript', t('post_script'), function () {
        return getBodyExtension(bo, 'spiffworkflow:PostScript');
      }, function (value) {
        setBodyExtension(injector, element, 'spiffworkflow:PostScript', value);
      }, { monospace: true }),
    ],
  };
}

function conditionGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!isConditionalFlow(bo)) {
    return null;
  }
  var gateway = bo.sourceRef;
  var isDefault = gateway.get('default') === bo;
  var entries = [];
  if (isDefault) {
    entries.push({ id: 'flytverk-condition-default-note', component: NoteComponent, text: t('condition_default') });
  } else {
    entries.push(textArea('flytverk-condition', t('condition'), function () {
      var expr = bo.get('conditionExpression');
      return expr ? expr.get('body') || '' : '';
    }, function (value) {
      execute(injector, setFormalExpressionCommands(injector, element, bo, 'conditionExpression', value));
    }, { monospace: true, rows: 2, description: t('condition_hint') }));
  }
  entries.push({
    id: 'flytverk-default-flow',
    component: CheckboxComponent,
    label: t('default_flow'),
    getValue: function () {
      return gateway.get('default') === bo;
    },
    setValue: function (checked) {
      var commands = [{
        cmd: 'element.updateProperties',
        context: { element: element.source, properties: { default: checked ? bo : undefined } },
      }];
      if (checked && bo.get('conditionExpression')) {
        commands.push({
          cmd: 'element.updateModdleProperties',
          context: { element: element, moddleElement: bo, properties: { conditionExpression: undefined } },
        });
      }
      execute(injector, commands);
    },
    isEdited: isCheckboxEntryEdited,
  });
  return { id: 'flytverk-condition', label: t('group_condition'), component: Group, entries: entries, shouldOpen: true };
}

function labelled(id, name) {
  return name && name !== id ? name + ' (' + id + ')' : id;
}

function decisionGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:BusinessRuleTask')) {
    return null;
  }
  return {
    id: 'flytverk-decision',
    label: t('group_decision'),
    component: Group,
    shouldOpen: true,
    entries: [{
      id: 'flytverk-decision',
      component: ChoiceEntry,
      label: t('decision'),
      otherLabel: t('decision_other'),
      getValue: function () {
        return getBodyExtension(bo, 'spiffworkflow:CalledDecisionId');
      },
      getOptions: function () {
        return (options.decisions || []).map(function (d) {
          return { value: d.id, label: labelled(d.id, d.name) };
        });
      },
      setValue: function (value) {
        setBodyExtension(injector, element, 'spiffworkflow:CalledDecisionId', value);
      },
      isEdited: isSelectEntryEdited,
    }],
  };
}

function timerGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!isTimerEvent(bo)) {
    return null;
  }
  return {
    id: 'flytverk-timer',
    label: t('group_timer'),
    component: Group,
    shouldOpen: true,
    entries: [{ id: 'flytverk-timer', component: TimerEntries, isEdited: isSelectEntryEdited }],
  };
}

function messageGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  var target = messageTarget(bo);
  if (!target) {
    return null;
  }
  return {
    id: 'flytverk-message',
    label: t('group_message'),
    component: Group,
    shouldOpen: true,
    entries: [
      {
        id: 'flytverk-message',
        component: ChoiceEntry,
        label: t('message'),
        otherLabel: t('message_other'),
        commitOnBlur: true,
        getValue: function () {
          var message = target.get('messageRef');
          return message ? message.get('name') || '' : '';
        },
        getOptions: function () {
          return uniqueSorted((options.messages || []).concat(listMessageNames(bo))).map(function (name) {
            return { value: name, label: name };
          });
        },
        setValue: function (value) {
          setMessageRef(injector, element, target, value);
        },
        isEdited: isSelectEntryEdited,
      },
      textField('flytverk-correlation', t('correlation_key'), function () {
        return getSpiffProperty(bo, 'correlationKey') || '';
      }, function (value) {
        setSpiffProperty(injector, element, 'correlationKey', value);
      }, { description: t('correlation_hint') }),
    ],
  };
}

function findConnector(options, id) {
  var list = options.connectors || [];
  for (var i = 0; i < list.length; i++) {
    if (list[i].id === id) {
      return list[i];
    }
  }
  return null;
}

function serviceGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:ServiceTask')) {
    return null;
  }
  var operator = getOperator(bo);
  var current = operator ? operator.get('id') || '' : '';
  var connector = findConnector(options, current);
  var connectorOptions = [{ value: '', label: t('none') }].concat((options.connectors || []).map(function (c) {
    return { value: c.id, label: labelled(c.id, c.label) };
  }));
  if (current && !connector) {
    connectorOptions.push({ value: current, label: t('unknown_value', { value: current }) });
  }
  var entries = [{
    id: 'flytverk-connector',
    component: SelectComponent,
    label: t('connector'),
    getValue: function () {
      return current;
    },
    setValue: function (value) {
      var next = findConnector(options, value);
      setOperator(injector, element, blankToUndefined(value), next ? (next.params || []).map(function (p) {
        return p.name;
      }) : null);
    },
    getOptions: function () {
      return connectorOptions;
    },
    isEdited: isSelectEntryEdited,
  }];
  if (operator) {
    var params = connector
      ? (connector.params || [])
      : getOperatorParameters(operator).map(function (p) {
        return { name: p.get('id'), label: p.get('id') };
      });
    params.forEach(function (param) {
      entries.push(textField('flytverk-param-' + param.name, param.label || param.name, function () {
        return getParameterValue(getOperator(bo), param.name) || '';
      }, function (value) {
        setParameter(injector, element, param.name, value);
      }, { description: t('param_hint') }));
    });
    entries.push(textField('flytverk-result-variable', t('result_variable'), function () {
      var op = getOperator(bo);
      return (op && op.get('resultVariable')) || '';
    }, function (value) {
      setOperatorAttribute(injector, element, 'resultVariable', value);
    }));
  }
  return { id: 'flytverk-service', label: t('group_service'), component: Group, entries: entries, shouldOpen: true };
}

function callGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:CallActivity')) {
    return null;
  }
  return {
    id: 'flytverk-call',
    label: t('group_call'),
    component: Group,
    shouldOpen: true,
    entries: [{
      id: 'flytverk-called-process',
      component: ChoiceEntry,
      label: t('called_process'),
      otherLabel: t('called_process_other'),
      getValue: function () {
        return bo.get('calledElement') || '';
      },
      getOptions: function () {
        return (options.processes || []).map(function (p) {
          return { value: p.id, label: labelled(p.id, p.name) };
        });
      },
      setValue: function (value) {
        execute(injector, [{
          cmd: 'element.updateModdleProperties',
          context: { element: element, moddleElement: bo, properties: { calledElement: value } },
        }]);
      },
      isEdited: isSelectEntryEdited,
    }],
  };
}

/* ------------------------------------------------------------------ */
/* Provider                                                           */
/* ------------------------------------------------------------------ */

export function FlytverkPropertiesProvider(propertiesPanel, injector, flytverk) {
  this._injector = injector;
  this._flytverk = flytverk;
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

FlytverkPropertiesProvider.$inject = ['propertiesPanel', 'injector', 'flytverk'];

FlytverkPropertiesProvider.prototype.getGroups = function (element) {
  var injector = this._injector;
  var flytverk = this._flytverk;
  return function (groups) {
    var t = flytverk.t;
    var options = flytverk.options;
    var ours = [
      taskGroup(element, injector, t),
      scriptGroup(element, injector, t),
      conditionGroup(element, injector, t),
      decisionGroup(element, injector, t, options),
      serviceGroup(element, injector, t, options),
      callGroup(element, injector, t, options),
      timerGroup(element, injector, t),
      messageGroup(element, injector, t, options),
      prePostGroup(element, injector, t),
    ].filter(Boolean);
    var replaced = {};
    ours.forEach(function (group) {
      if (group.id === 'flytverk-timer') {
        replaced.timer = true;
      }
      if (group.id === 'flytverk-message') {
        replaced.message = true;
      }
    });
    var kept = groups.filter(function (group) {
      return !replaced[group.id];
    });
    var generalIndex = -1;
    for (var i = 0; i < kept.length; i++) {
      if (kept[i].id === 'general') {
        generalIndex = i;
        break;
      }
    }
    kept.splice.apply(kept, [generalIndex + 1, 0].concat(ours));
    return kept;
  };
};

/**
 * Debounce service for the panel's inputs that can flush every pending
 * change (before saving), so the last keystrokes are never lost.
 */
export function createDebounceService(delay) {
  var pending = [];
  function remove(fn) {
    var index = pending.indexOf(fn);
    if (index !== -1) {
      pending.splice(index, 1);
    }
  }
  function debounceInput(fn) {
    var timer = null;
    var lastArgs;
    var lastThis;
    function run() {
      if (timer) {
        clearTimeout(timer);
      }
      timer = null;
      remove(debounced);
      fn.apply(lastThis, lastArgs);
    }
    function debounced() {
      lastArgs = arguments;
      lastThis = this;
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(run, delay);
      if (pending.indexOf(debounced) === -1) {
        pending.push(debounced);
      }
    }
    debounced.flush = function () {
      if (timer) {
        run();
      }
    };
    debounced.cancel = function () {
      if (timer) {
        clearTimeout(timer);
      }
      timer = null;
      remove(debounced);
    };
    return debounced;
  }
  // Commit only on flush (blur, Ctrl/Cmd+key, save): for fields where every
  // intermediate value would leave something behind (new message names).
  debounceInput.manual = function (fn) {
    var armed = false;
    var lastArgs;
    var lastThis;
    function deferred() {
      lastArgs = arguments;
      lastThis = this;
      armed = true;
      if (pending.indexOf(deferred) === -1) {
        pending.push(deferred);
      }
    }
    deferred.flush = function () {
      if (armed) {
        armed = false;
        remove(deferred);
        fn.apply(lastThis, lastArgs);
      }
    };
    deferred.cancel = function () {
      armed = false;
      remove(deferred);
    };
    return deferred;
  };
  debounceInput.flushAll = function () {
    pending.slice().forEach(function (fn) {
      fn.flush();
    });
  };
  return debounceInput;
}

export function createFlytverkModule(flytverk) {
  return {
    __init__: ['flytverkPropertiesProvider'],
    flytverk: ['value', flytverk],
    debounceInput: ['value', createDebounceService(300)],
    flytverkPropertiesProvider: ['type', FlytverkPropertiesProvider],
  };
}
