// didi modules for the form-js editor (passed as `additionalModules`).
import { createDebounceService } from '../lib/debounce';
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
 * The didi module: texts for our properties group, the palette restriction,
 * the provider, and the editor's `debounce` service replaced by a flushable
 * one (300 ms like the stock one; see lib/debounce.js).
 */
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
