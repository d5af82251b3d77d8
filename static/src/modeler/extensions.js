// Reading and writing the spiffworkflow:* extension elements (and a few plain
// BPMN properties) through the command stack, so every change can be undone
// and the diagram stays consistent. All writes go through one
// 'properties-panel.multi-command-executor' call = one undo step. Helpers for
// one topic (timers, messages, connectors) live with its properties group in
// properties/.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

/* ------------------------------------------------------------------ */
/* Reading                                                            */
/* ------------------------------------------------------------------ */

/** Index of the first item whose `attribute` is `value`, or -1. */
export function indexBy(list, attribute, value) {
  for (var i = 0; i < list.length; i++) {
    if (list[i].get(attribute) === value) {
      return i;
    }
  }
  return -1;
}

function firstOfType(list, type) {
  for (var i = 0; i < list.length; i++) {
    if (is(list[i], type)) {
      return list[i];
    }
  }
  return null;
}

export function extensionValues(bo) {
  var ext = bo && bo.get('extensionElements');
  return (ext && ext.get('values')) || [];
}

export function findExtension(bo, type) {
  return firstOfType(extensionValues(bo), type);
}

export function getBodyExtension(bo, type) {
  var ext = findExtension(bo, type);
  return ext ? ext.get('value') || '' : '';
}

export function getSpiffProperty(bo, name) {
  var props = findExtension(bo, 'spiffworkflow:Properties');
  var list = props ? props.get('properties') || [] : [];
  var index = indexBy(list, 'name', name);
  return index === -1 ? undefined : list[index].get('value');
}

export function getDefinitions(bo) {
  var current = bo;
  while (current && !is(current, 'bpmn:Definitions')) {
    current = current.$parent;
  }
  return current || null;
}

export function eventDefinition(bo, type) {
  return firstOfType((bo && bo.get && bo.get('eventDefinitions')) || [], type);
}

export function isBlank(value) {
  return value === undefined || value === null || String(value) === '';
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */
/* ------------------------------------------------------------------ */

/** One element.updateModdleProperties command. */
export function update(element, moddleElement, properties) {
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

export function createModdle(injector, type, attrs) {
  return injector.get('moddle').create(type, attrs || {});
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

/** Commands that drop one extension value of `bo`. */
export function removeExtensionCommands(injector, element, bo, value) {
  return setExtensionValuesCommands(injector, element, bo, extensionValues(bo).filter(function (v) {
    return v !== value;
  }));
}

/** Commands that add one extension value to `bo`. */
export function addExtensionCommands(injector, element, bo, value) {
  return setExtensionValuesCommands(injector, element, bo, extensionValues(bo).concat([value]));
}

/** Text extension such as spiffworkflow:instructionsForEndUser. */
export function setBodyExtension(injector, element, type, value, bo) {
  bo = bo || getBusinessObject(element);
  var existing = findExtension(bo, type);
  var commands;
  if (isBlank(value)) {
    commands = existing ? removeExtensionCommands(injector, element, bo, existing) : [];
  } else if (existing) {
    commands = [update(element, existing, { value: value })];
  } else {
    commands = addExtensionCommands(injector, element, bo, createModdle(injector, type, { value: value }));
  }
  execute(injector, commands);
}

/** spiffworkflow:properties > spiffworkflow:property name=… value=… */
export function setSpiffPropertyCommands(injector, element, name, value, bo) {
  bo = bo || getBusinessObject(element);
  var props = findExtension(bo, 'spiffworkflow:Properties');
  var list = props ? (props.get('properties') || []).slice() : [];
  var index = indexBy(list, 'name', name);
  if (isBlank(value)) {
    if (index === -1) {
      return [];
    }
    list.splice(index, 1);
    return list.length
      ? [update(element, props, { properties: list })]
      : removeExtensionCommands(injector, element, bo, props);
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
  return addExtensionCommands(injector, element, bo, props);
}

export function setSpiffProperty(injector, element, name, value, bo) {
  execute(injector, setSpiffPropertyCommands(injector, element, name, value, bo));
}

/** A bpmn:FormalExpression property (conditionExpression, …); blank removes it. */
export function setFormalExpressionCommands(injector, element, owner, property, body) {
  var values = {};
  if (isBlank(body)) {
    values[property] = undefined;
    return owner.get(property) ? [update(element, owner, values)] : [];
  }
  var existing = owner.get(property);
  if (existing && is(existing, 'bpmn:FormalExpression')) {
    return [update(element, existing, { body: body })];
  }
  var expression = injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: body });
  expression.$parent = owner;
  values[property] = expression;
  return [update(element, owner, values)];
}
