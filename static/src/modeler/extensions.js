// Reading and writing the spiffworkflow:* extension elements (and a few plain
// BPMN properties) through the command stack, so every change can be undone
// and the diagram stays consistent. All writes go through one
// 'properties-panel.multi-command-executor' call = one undo step.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export var SPIFF = 'spiffworkflow';

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

export function extensionValues(bo) {
  var ext = bo && bo.get('extensionElements');
  return (ext && ext.get('values')) || [];
}

export function findExtension(bo, type) {
  var values = extensionValues(bo);
  for (var i = 0; i < values.length; i++) {
    if (is(values[i], type)) {
      return values[i];
    }
  }
  return null;
}

export function getBodyExtension(bo, type) {
  var ext = findExtension(bo, type);
  return ext ? ext.get('value') || '' : '';
}

export function getSpiffProperty(bo, name) {
  var props = findExtension(bo, 'spiffworkflow:Properties');
  if (!props) {
    return undefined;
  }
  var list = props.get('properties') || [];
  for (var i = 0; i < list.length; i++) {
    if (list[i].get('name') === name) {
      return list[i].get('value');
    }
  }
  return undefined;
}

export function getDefinitions(bo) {
  var current = bo;
  while (current && !is(current, 'bpmn:Definitions')) {
    current = current.$parent;
  }
  return current || null;
}

export function eventDefinition(bo, type) {
  var defs = (bo && bo.get && bo.get('eventDefinitions')) || [];
  for (var i = 0; i < defs.length; i++) {
    if (is(defs[i], type)) {
      return defs[i];
    }
  }
  return null;
}

function isBlank(value) {
  return value === undefined || value === null || String(value) === '';
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

function update(element, moddleElement, properties) {
  return {
    cmd: 'element.updateModdleProperties',
    context: { element: element, moddleElement: moddleElement, properties: properties },
  };
}

export function execute(injector, commands) {
  if (!commands.length) {
    return;
  }
  var commandStack = injector.get('commandStack');
  if (commands.length === 1) {
    commandStack.execute(commands[0].cmd, commands[0].context);
  } else {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}

/**
 * Commands that replace the list of extension values of `bo` with
 * `newValues`, creating bpmn:extensionElements if needed and removing it
 * when it becomes empty.
 */
export function setExtensionValuesCommands(injector, element, bo, newValues) {
  var ext = bo.get('extensionElements');
  if (!newValues.length) {
    return ext ? [update(element, bo, { extensionElements: undefined })] : [];
  }
  if (!ext) {
    ext = injector.get('bpmnFactory').create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    newValues.forEach(function (value) {
      value.$parent = ext;
    });
    ext.set('values', newValues);
    return [update(element, bo, { extensionElements: ext })];
  }
  newValues.forEach(function (value) {
    value.$parent = ext;
  });
  return [update(element, ext, { values: newValues })];
}

function createModdle(injector, type, attrs) {
  return injector.get('moddle').create(type, attrs || {});
}

/** Text extension such as spiffworkflow:instructionsForEndUser. */
export function setBodyExtension(injector, element, type, value, bo) {
  bo = bo || getBusinessObject(element);
  var existing = findExtension(bo, type);
  var commands;
  if (isBlank(value)) {
    if (!existing) {
      return;
    }
    commands = setExtensionValuesCommands(injector, element, bo, extensionValues(bo).filter(function (v) {
      return v !== existing;
    }));
  } else if (existing) {
    commands = [update(element, existing, { value: value })];
  } else {
    var created = createModdle(injector, type, { value: value });
    commands = setExtensionValuesCommands(injector, element, bo, extensionValues(bo).concat([created]));
  }
  execute(injector, commands);
}

/** spiffworkflow:properties > spiffworkflow:property name=… value=… */
export function setSpiffPropertyCommands(injector, element, name, value, bo) {
  bo = bo || getBusinessObject(element);
  var props = findExtension(bo, 'spiffworkflow:Properties');
  var list = props ? (props.get('properties') || []).slice() : [];
  var index = -1;
  for (var i = 0; i < list.length; i++) {
    if (list[i].get('name') === name) {
      index = i;
      break;
    }
  }
  if (isBlank(value)) {
    if (index === -1) {
      return [];
    }
    list.splice(index, 1);
    if (!list.length) {
      return setExtensionValuesCommands(injector, element, bo, extensionValues(bo).filter(function (v) {
        return v !== props;
      }));
    }
    return [update(element, props, { properties: list })];
  }
  value = String(value);
  if (index !== -1) {
    return [update(element, list[index], { value: value })];
  }
  var property = createModdle(injector, 'spiffworkflow:Property', { name: name, value: value });
  if (props) {
    property.$parent = props;
    return [update(element, props, { properties: list.concat([property]) })];
  }
  props = createModdle(injector, 'spiffworkflow:Properties', { properties: [property] });
  property.$parent = props;
  return setExtensionValuesCommands(injector, element, bo, extensionValues(bo).concat([props]));
}

export function setSpiffProperty(injector, element, name, value, bo) {
  execute(injector, setSpiffPropertyCommands(injector, element, name, value, bo));
}

/* ---- service task operator ---------------------------------------- */

export function getOperator(bo) {
  return findExtension(bo, 'spiffworkflow:ServiceTaskOperator');
}

export function getOperatorParameters(operator) {
  var list = operator && operator.get('parameterList');
  return list ? list.get('parameters') || [] : [];
}

export function getParameterValue(operator, name) {
  var params = getOperatorParameters(operator);
  for (var i = 0; i < params.length; i++) {
    if (params[i].get('id') === name) {
      return params[i].get('value');
    }
  }
  return undefined;
}

/**
 * Select the connector of a service task. Parameters that the new
 * connector also has keep their values; `keepNames` null keeps all.
 */
export function setOperator(injector, element, connectorId, keepNames) {
  var bo = getBusinessObject(element);
  var operator = getOperator(bo);
  var commands;
  if (isBlank(connectorId)) {
    if (!operator) {
      return;
    }
    commands = setExtensionValuesCommands(injector, element, bo, extensionValues(bo).filter(function (v) {
      return v !== operator;
    }));
    execute(injector, commands);
    return;
  }
  if (operator) {
    commands = [update(element, operator, { id: connectorId })];
    var list = operator.get('parameterList');
    if (list && keepNames) {
      var kept = (list.get('parameters') || []).filter(function (p) {
        return keepNames.indexOf(p.get('id')) !== -1;
      });
      if (kept.length !== (list.get('parameters') || []).length) {
        commands.push(update(element, list, { parameters: kept }));
      }
    } else if (!list) {
      list = createModdle(injector, 'spiffworkflow:Parameters', { parameters: [] });
      list.$parent = operator;
      commands.push(update(element, operator, { parameterList: list }));
    }
    execute(injector, commands);
    return;
  }
  // SpiffWorkflow's XSD wants <spiffworkflow:parameters> even when empty.
  var parameters = createModdle(injector, 'spiffworkflow:Parameters', { parameters: [] });
  operator = createModdle(injector, 'spiffworkflow:ServiceTaskOperator', { id: connectorId, parameterList: parameters });
  parameters.$parent = operator;
  execute(injector, setExtensionValuesCommands(injector, element, bo, extensionValues(bo).concat([operator])));
}

export function setOperatorAttribute(injector, element, name, value) {
  var operator = getOperator(getBusinessObject(element));
  if (!operator) {
    return;
  }
  var props = {};
  props[name] = isBlank(value) ? undefined : value;
  execute(injector, [update(element, operator, props)]);
}

export function setParameter(injector, element, name, value) {
  var operator = getOperator(getBusinessObject(element));
  if (!operator) {
    return;
  }
  var commands = [];
  var list = operator.get('parameterList');
  if (!list) {
    list = createModdle(injector, 'spiffworkflow:Parameters', { parameters: [] });
    list.$parent = operator;
    commands.push(update(element, operator, { parameterList: list }));
  }
  var params = (list.get('parameters') || []).slice();
  var index = -1;
  for (var i = 0; i < params.length; i++) {
    if (params[i].get('id') === name) {
      index = i;
      break;
    }
  }
  if (isBlank(value)) {
    if (index === -1) {
      return;
    }
    params.splice(index, 1);
    commands.push(update(element, list, { parameters: params }));
  } else if (index !== -1) {
    commands.push(update(element, params[index], { value: value }));
  } else {
    var param = createModdle(injector, 'spiffworkflow:Parameter', { id: name, type: 'str', value: value });
    param.$parent = list;
    commands.push(update(element, list, { parameters: params.concat([param]) }));
  }
  execute(injector, commands);
}

/* ---- plain BPMN ------------------------------------------------------ */

export function setFormalExpressionCommands(injector, element, owner, property, body) {
  if (isBlank(body)) {
    var props = {};
    props[property] = undefined;
    return owner.get(property) ? [update(element, owner, props)] : [];
  }
  var existing = owner.get(property);
  if (existing && is(existing, 'bpmn:FormalExpression')) {
    return [update(element, existing, { body: body })];
  }
  var expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: body });
  expression.$parent = owner;
  var values = {};
  values[property] = expression;
  return [update(element, owner, values)];
}

/** Make an XML id (NCName) from a free-text name. */
export function toXmlId(prefix, text) {
  var cleaned = String(text || '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/æ/gi, 'ae')
    .replace(/ø/gi, 'o')
    .replace(/å/gi, 'a')
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return prefix + (cleaned || 'x');
}

/**
 * Point a message event definition / send / receive task at the
 * bpmn:message with this name, creating the message if needed.
 */
export function setMessageRef(injector, element, target, name) {
  var commands = [];
  if (isBlank(name)) {
    if (target.get('messageRef')) {
      commands.push(update(element, target, { messageRef: undefined }));
    }
    execute(injector, commands);
    return;
  }
  var definitions = getDefinitions(getBusinessObject(element));
  var roots = definitions ? definitions.get('rootElements') : [];
  var message = null;
  for (var i = 0; i < roots.length; i++) {
    if (is(roots[i], 'bpmn:Message') && roots[i].get('name') === name) {
      message = roots[i];
      break;
    }
  }
  if (!message) {
    var ids = injector.get('moddle').ids;
    var id = toXmlId('Message_', name);
    var n = 2;
    while (ids && ids.assigned(id)) {
      id = toXmlId('Message_', name) + '_' + n;
      n += 1;
    }
    message = injector.get('bpmnFactory').create('bpmn:Message', { id: id, name: name });
    if (ids) {
      ids.claim(id, message);
    }
    message.$parent = definitions;
    commands.push(update(element, definitions, { rootElements: roots.concat([message]) }));
  }
  commands.push(update(element, target, { messageRef: message }));
  execute(injector, commands);
}

export function listMessageNames(bo) {
  var definitions = getDefinitions(bo);
  var roots = definitions ? definitions.get('rootElements') : [];
  return roots.filter(function (r) {
    return is(r, 'bpmn:Message') && r.get('name');
  }).map(function (r) {
    return r.get('name');
  });
}

/* ---- timers ------------------------------------------------------------ */

export var TIMER_TYPES = ['timeDuration', 'timeDate', 'timeCycle'];

var ISO_PATTERNS = [
  // durations: P3D, PT5M, P1Y2M, P2W, PT1.5H
  /^P(?!$)(\d+(?:[.,]\d+)?Y)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?W)?(\d+(?:[.,]\d+)?D)?(T(?=\d)(\d+(?:[.,]\d+)?H)?(\d+(?:[.,]\d+)?M)?(\d+(?:[.,]\d+)?S)?)?$/,
  // dates/date-times: 2026-12-01, 2026-12-01T08:00, 2026-12-01T08:00:00.5+01:00, ...Z
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
];

function isIsoPart(text) {
  for (var i = 0; i < ISO_PATTERNS.length; i++) {
    if (ISO_PATTERNS[i].test(text)) {
      return true;
    }
  }
  return false;
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
  if (parts.length > 2) {
    return false;
  }
  return parts.every(isIsoPart);
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
