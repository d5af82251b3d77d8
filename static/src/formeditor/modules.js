// didi modules for the form-js editor (passed as `additionalModules`).
import { FlytverkPropertiesProvider } from './properties';

// The component types the server's forms package accepts (forms/kinds.py).
// "button" is accepted there but ignored (we render our own buttons), so the
// palette does not offer it.
export var SUPPORTED_TYPES = [
  'textfield', 'textarea', 'number', 'checkbox', 'checklist', 'radio', 'select',
  'datetime', 'text', 'group', 'dynamiclist', 'filepicker', 'separator', 'spacer',
];

/**
 * Palette restricted to SUPPORTED_TYPES. The palette lists the enumerable
 * entries of the `formFields` registry; the other types stay registered but
 * not enumerable, so a definition that uses one still renders (and the
 * server's 400 can point at it) while the palette no longer offers it.
 */
function PaletteRestriction(formFields) {
  var registry = formFields && formFields._formFields;
  if (!registry) {
    return;
  }
  Object.keys(registry).forEach(function (type) {
    if (type !== 'default' && SUPPORTED_TYPES.indexOf(type) === -1) {
      Object.defineProperty(registry, type, {
        value: registry[type],
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
  });
}
PaletteRestriction.$inject = ['formFields'];

/**
 * Replacement for the editor's `debounce` service (300 ms, like the stock
 * one) that remembers pending calls so they can all be committed before a
 * save: `debounce.flushAll()`.
 */
function createDebounceService(timeout) {
  var pending = [];

  function debounce(fn) {
    var timer = null;
    var lastArgs = null;
    var self = null;

    function run() {
      var args = lastArgs;
      timer = null;
      lastArgs = null;
      remove(debounced);
      fn.apply(self, args);
    }

    function debounced() {
      lastArgs = arguments;
      self = this;
      if (timer) {
        clearTimeout(timer);
      } else {
        pending.push(debounced);
      }
      timer = setTimeout(run, timeout);
    }
    debounced.flush = function () {
      if (timer) {
        clearTimeout(timer);
        run();
      }
    };
    debounced.cancel = function () {
      if (timer) {
        clearTimeout(timer);
        timer = null;
        lastArgs = null;
        remove(debounced);
      }
    };
    return debounced;
  }

  function remove(item) {
    var index = pending.indexOf(item);
    if (index !== -1) {
      pending.splice(index, 1);
    }
  }

  debounce.flushAll = function () {
    pending.slice().forEach(function (item) {
      item.flush();
    });
  };
  debounce.hasPending = function () {
    return pending.length > 0;
  };
  return debounce;
}

export function createFlytverkModule(t) {
  var debounce = createDebounceService(300);
  return {
    __init__: ['flytverkPaletteRestriction', 'flytverkPropertiesProvider'],
    flytverkTexts: ['value', t],
    debounce: ['value', debounce],
    flytverkPaletteRestriction: ['type', PaletteRestriction],
    flytverkPropertiesProvider: ['type', FlytverkPropertiesProvider],
  };
}
