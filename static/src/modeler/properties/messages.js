// Message events and send/receive tasks: the bpmn:message (picked by name,
// created when new) and the correlation key (spiffworkflow property).
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { eventDefinition, execute, getDefinitions, getSpiffProperty, isBlank, setSpiffProperty, update } from '../extensions';
import { choice, group, textField } from './entries';

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

function rootMessages(bo) {
  var definitions = getDefinitions(bo);
  var roots = definitions ? definitions.get('rootElements') : [];
  return roots.filter(function (r) {
    return is(r, 'bpmn:Message');
  });
}

/**
 * Point a message event definition / send / receive task at the
 * bpmn:message with this name, creating the message if needed.
 */
export function setMessageRef(injector, element, target, name) {
  if (isBlank(name)) {
    execute(injector, target.get('messageRef') ? [update(element, target, { messageRef: undefined })] : []);
    return;
  }
  var commands = [];
  var message = rootMessages(getBusinessObject(element)).filter(function (m) {
    return m.get('name') === name;
  })[0];
  if (!message) {
    var definitions = getDefinitions(getBusinessObject(element));
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
    commands.push(update(element, definitions, { rootElements: definitions.get('rootElements').concat([message]) }));
  }
  commands.push(update(element, target, { messageRef: message }));
  execute(injector, commands);
}

export function listMessageNames(bo) {
  return rootMessages(bo).map(function (r) {
    return r.get('name');
  }).filter(Boolean);
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

function messageTarget(bo) {
  if (isAny(bo, ['bpmn:ReceiveTask', 'bpmn:SendTask'])) {
    return bo;
  }
  if (is(bo, 'bpmn:Event')) {
    return eventDefinition(bo, 'bpmn:MessageEventDefinition');
  }
  return null;
}

/** Replaces the stock "Message" group (id 'message'). */
export function messageGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  var target = messageTarget(bo);
  if (!target) {
    return null;
  }
  return group('flytverk-message', t('group_message'), [
    choice('flytverk-message', t('message'), t('message_other'), function () {
      var message = target.get('messageRef');
      return message ? message.get('name') || '' : '';
    }, function (value) {
      setMessageRef(injector, element, target, value);
    }, function () {
      return uniqueSorted((options.messages || []).concat(listMessageNames(bo))).map(function (name) {
        return { value: name, label: name };
      });
    }, { commitOnBlur: true }),
    textField('flytverk-correlation', t('correlation_key'), function () {
      return getSpiffProperty(bo, 'correlationKey') || '';
    }, function (value) {
      setSpiffProperty(injector, element, 'correlationKey', value);
    }, { description: t('correlation_hint') }),
  ]);
}
