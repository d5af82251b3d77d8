// Service tasks: the connector (spiffworkflow:serviceTaskOperator id=), its
// parameters (spiffworkflow:parameter id= type="str" value=, each a Python
// expression) and the result variable. Connectors and their parameters come
// from the server's option list.
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  addExtensionCommands,
  createModdle,
  execute,
  findExtension,
  indexBy,
  isBlank,
  removeExtensionCommands,
  update,
} from '../extensions';
import { blankToUndefined, group, labelled, select, textField } from './entries';

/* ---- the operator in the model ---------------------------------------- */

export function getOperator(bo) {
  return findExtension(bo, 'spiffworkflow:ServiceTaskOperator');
}

export function getOperatorParameters(operator) {
  var list = operator && operator.get('parameterList');
  return list ? list.get('parameters') || [] : [];
}

export function getParameterValue(operator, name) {
  var params = getOperatorParameters(operator);
  var index = indexBy(params, 'id', name);
  return index === -1 ? undefined : params[index].get('value');
}

function createParameters(injector, operator) {
  var list = createModdle(injector, 'spiffworkflow:Parameters', { parameters: [] });
  list.$parent = operator;
  return list;
}

/**
 * Select the connector of a service task. Parameters that the new
 * connector also has keep their values; `keepNames` null keeps all.
 */
export function setOperator(injector, element, connectorId, keepNames) {
  var bo = getBusinessObject(element);
  var operator = getOperator(bo);
  if (isBlank(connectorId)) {
    execute(injector, operator ? removeExtensionCommands(injector, element, bo, operator) : []);
    return;
  }
  if (!operator) {
    // SpiffWorkflow's XSD wants <spiffworkflow:parameters> even when empty.
    operator = createModdle(injector, 'spiffworkflow:ServiceTaskOperator', { id: connectorId });
    operator.set('parameterList', createParameters(injector, operator));
    execute(injector, addExtensionCommands(injector, element, bo, operator));
    return;
  }
  var commands = [update(element, operator, { id: connectorId })];
  var list = operator.get('parameterList');
  if (list && keepNames) {
    var params = list.get('parameters') || [];
    var kept = params.filter(function (p) {
      return keepNames.indexOf(p.get('id')) !== -1;
    });
    if (kept.length !== params.length) {
      commands.push(update(element, list, { parameters: kept }));
    }
  } else if (!list) {
    commands.push(update(element, operator, { parameterList: createParameters(injector, operator) }));
  }
  execute(injector, commands);
}

export function setOperatorAttribute(injector, element, name, value) {
  var operator = getOperator(getBusinessObject(element));
  if (!operator) {
    return;
  }
  var values = {};
  values[name] = isBlank(value) ? undefined : value;
  execute(injector, [update(element, operator, values)]);
}

export function setParameter(injector, element, name, value) {
  var operator = getOperator(getBusinessObject(element));
  if (!operator) {
    return;
  }
  var commands = [];
  var list = operator.get('parameterList');
  if (!list) {
    list = createParameters(injector, operator);
    commands.push(update(element, operator, { parameterList: list }));
  }
  var params = (list.get('parameters') || []).slice();
  var index = indexBy(params, 'id', name);
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

/* ---- the group ------------------------------------------------------------ */

function findConnector(options, id) {
  return (options.connectors || []).filter(function (connector) {
    return connector.id === id;
  })[0] || null;
}

function connectorEntry(element, injector, t, options, current) {
  var choices = [{ value: '', label: t('none') }].concat((options.connectors || []).map(function (c) {
    return { value: c.id, label: labelled(c.id, c.label) };
  }));
  if (current && !findConnector(options, current)) {
    choices.push({ value: current, label: t('unknown_value', { value: current }) });
  }
  return select('flytverk-connector', t('connector'), function () {
    return current;
  }, function (value) {
    var next = findConnector(options, value);
    setOperator(injector, element, blankToUndefined(value), next ? (next.params || []).map(function (p) {
      return p.name;
    }) : null);
  }, {
    getOptions: function () {
      return choices;
    },
  });
}

export function serviceGroup(element, injector, t, options) {
  var bo = getBusinessObject(element);
  if (!is(bo, 'bpmn:ServiceTask')) {
    return null;
  }
  var operator = getOperator(bo);
  var current = operator ? operator.get('id') || '' : '';
  var connector = findConnector(options, current);
  var entries = [connectorEntry(element, injector, t, options, current)];
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
  return group('flytverk-service', t('group_service'), entries);
}
