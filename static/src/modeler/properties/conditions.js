// Conditions of the flows out of exclusive and inclusive gateways
// (bpmn:conditionExpression, Python) and which flow is the default. The
// builder (condition-builder.js) writes simple conditions; the Python text
// below it stays editable for advanced ones.
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

import { execute, setFormalExpressionCommands, update } from '../extensions';
import { ConditionBuilder } from './condition-builder';
import { checkbox, custom, group, note, textArea } from './entries';

function isConditionalFlow(bo) {
  return is(bo, 'bpmn:SequenceFlow') && bo.sourceRef &&
    isAny(bo.sourceRef, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway']);
}

function defaultFlowEntry(element, injector, t) {
  var bo = getBusinessObject(element);
  var gateway = bo.sourceRef;
  return checkbox('flytverk-default-flow', t('default_flow'), function () {
    return gateway.get('default') === bo;
  }, function (checked) {
    // a default flow has no condition
    var commands = [{
      cmd: 'element.updateProperties',
      context: { element: element.source, properties: { default: checked ? bo : undefined } },
    }];
    if (checked && bo.get('conditionExpression')) {
      commands.push(update(element, bo, { conditionExpression: undefined }));
    }
    execute(injector, commands);
  });
}

export function conditionGroup(element, injector, t) {
  var bo = getBusinessObject(element);
  if (!isConditionalFlow(bo)) {
    return null;
  }
  var entries = [];
  if (bo.sourceRef.get('default') === bo) {
    entries.push(note('flytverk-condition-default-note', t('condition_default')));
  } else {
    var getCondition = function () {
      var expr = bo.get('conditionExpression');
      return expr ? expr.get('body') || '' : '';
    };
    entries.push(custom('flytverk-condition-builder', ConditionBuilder, {
      getValue: getCondition,
      setValue: function (value) {
        execute(injector, setFormalExpressionCommands(injector, element, bo, 'conditionExpression', value));
      },
    }));
    entries.push(textArea('flytverk-condition', t('condition_advanced'), function () {
      var expr = bo.get('conditionExpression');
      return expr ? expr.get('body') || '' : '';
    }, function (value) {
      execute(injector, setFormalExpressionCommands(injector, element, bo, 'conditionExpression', value));
    }, { monospace: true, rows: 2, description: t('condition_hint') }));
  }
  entries.push(defaultFlowEntry(element, injector, t));
  return group('flytverk-condition', t('group_condition'), entries);
}
