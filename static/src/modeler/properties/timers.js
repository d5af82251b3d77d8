// Timer events (start, intermediate, boundary): the type (timeDuration,
// timeDate, timeCycle) and its value. SpiffWorkflow evaluates timer
// expressions as Python, so ISO 8601 input is stored as a string literal
// ("PT5M") and anything else as the expression typed.
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { eventDefinition, execute, update } from '../extensions';
import { custom, group, useFlytverk } from './entries';

export var TIMER_TYPES = ['timeDuration', 'timeDate', 'timeCycle'];

var ISO_PATTERNS = [
  // durations: P3D, PT5M, P1Y2M, P2W, PT1.5H
  /^P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$/,
  // dates/date-times: 2026-12-01, 2026-12-01T08:00, 2026-12-01T08:00:00.5+01:00, ...Z
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
];

function isIsoPart(text) {
  return ISO_PATTERNS.some(function (pattern) {
    return pattern.test(text);
  });
}

/** PT5M, 2026-12-01T08:00:00, R3/PT1H, R/2026-01-01T00:00:00/P1D ... */
export function isIso8601(text) {
  if (!text) {
    return false;
  }
  var parts = text.split('/');
  if (/^R\d*$/.test(parts[0])) {
    parts = parts.slice(1);
    if (!parts.length) {
      return false;
    }
  }
  return parts.length <= 2 && parts.every(isIsoPart);
}

/** Timer expressions are Python in SpiffWorkflow: "PT5M" is stored quoted. */
export function timerToStored(input) {
  var text = (input || '').trim();
  if (!text) {
    return '';
  }
  return isIso8601(text) ? '"' + text + '"' : text;
}

export function timerFromStored(body) {
  var text = (body || '').trim();
  var match = /^(["'])([^"'\\]*)\1$/.exec(text);
  return match ? match[2] : text;
}

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
  var t = useFlytverk().t;
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
    var values = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
    values[newType] = createExpression(expression ? expression.get('body') : undefined);
    execute(injector, [update(element, definition, values)]);
  }

  function setValue(value) {
    var stored = timerToStored(value);
    if (expression) {
      execute(injector, [update(element, expression, { body: stored || undefined })]);
      return;
    }
    var values = {};
    values[type || 'timeDuration'] = createExpression(stored);
    execute(injector, [update(element, definition, values)]);
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

function isTimerEvent(bo) {
  return isAny(bo, ['bpmn:StartEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent']) &&
    !!eventDefinition(bo, 'bpmn:TimerEventDefinition');
}

/** Replaces the stock "Timer" group (id 'timer'). */
export function timerGroup(element, injector, t) {
  if (!isTimerEvent(getBusinessObject(element))) {
    return null;
  }
  return group('flytverk-timer', t('group_timer'), [custom('flytverk-timer', TimerEntries)]);
}
