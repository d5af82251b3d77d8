// Flytverk properties provider: the Spiff dialect fields that SpiffWorkflow
// executes, on top of bpmn-js-properties-panel's own General and
// Documentation groups. One module per group; each exports
// (element, injector, t, options) -> group or null.
import { createDebounceService } from '../../lib/debounce';
import { callGroup, decisionGroup } from './calls';
import { conditionGroup } from './conditions';
import { withFormList } from './formlist';
import { serviceGroup } from './connectors';
import { messageGroup } from './messages';
import { prePostGroup, scriptGroup } from './scripts';
import { taskGroup } from './task';
import { timerGroup } from './timers';

var LOW_PRIORITY = 500; // after the BPMN provider (1000): we get its groups

// In panel order, right after "General".
var GROUPS = [taskGroup, scriptGroup, conditionGroup, decisionGroup, serviceGroup, callGroup, timerGroup, messageGroup, prePostGroup];

// Stock groups ours replace.
var REPLACES = { 'flytverk-timer': 'timer', 'flytverk-message': 'message' };

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
    var ours = GROUPS.map(function (build) {
      return build(element, injector, flytverk.t, flytverk.options);
    }).filter(Boolean);
    var replaced = ours.map(function (group) {
      return REPLACES[group.id];
    });
    var kept = groups.filter(function (group) {
      return replaced.indexOf(group.id) === -1;
    });
    var general = kept.map(function (group) {
      return group.id;
    }).indexOf('general');
    kept.splice.apply(kept, [general + 1, 0].concat(ours));
    return kept;
  };
};

/**
 * The didi module: `flytverk` ({t, options, notify, createForm}) for the
 * entries, a flushable `debounceInput`, and the provider.
 */
export function createFlytverkModule(flytverk) {
  withFormList(flytverk); // a new form shows in the page's form list at once
  return {
    __init__: ['flytverkPropertiesProvider'],
    flytverk: ['value', flytverk],
    debounceInput: ['value', createDebounceService(300)],
    flytverkPropertiesProvider: ['type', FlytverkPropertiesProvider],
  };
}
