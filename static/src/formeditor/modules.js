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
 * Palette names (and the label a new field starts with) in the page
 * language: form-js reads `config.name` for the palette, its search and the
 * properties header. The configs are form-js's shared objects, so the
 * English original is kept beside them and the table applied to it.
 */
function localizeFieldTypes(formFields, table) {
  var registry = formFields && formFields._formFields;
  if (!registry || !table) {
    return;
  }
  Object.keys(registry).forEach(function (type) {
    var config = registry[type] && registry[type].config;
    if (!config || type === 'default') {
      return;
    }
    if (config.flytverkName === undefined) {
      config.flytverkName = config.name || config.label || '';
      config.flytverkCreate = config.create;
    }
    var english = config.flytverkName;
    var ours = table[english];
    if (!ours) {
      return;
    }
    config.name = ours;
    var create = config.flytverkCreate;
    if (typeof create === 'function') {
      config.create = function (options) {
        var made = create(options);
        if (made && made.label === english && !(options && options.label)) {
          made.label = ours;
        }
        return made;
      };
    }
  });
}

/**
 * The didi module: texts for our properties group, the field types' names in
 * the page language (`table`: English -> ours, or null), the palette restriction,
 * the provider, and the editor's `debounce` service replaced by a flushable
 * one (300 ms like the stock one; see lib/debounce.js).
 */
export function createFlytverkModule(t, table) {
  var debounce = createDebounceService(300);
  function FieldTypeTexts(formFields) {
    localizeFieldTypes(formFields, table);
  }
  FieldTypeTexts.$inject = ['formFields'];
  return {
    __init__: ['flytverkFieldTypeTexts', 'flytverkPaletteRestriction', 'flytverkPropertiesProvider'],
    flytverkTexts: ['value', t],
    flytverkFieldTypeTexts: ['type', FieldTypeTexts],
    debounce: ['value', debounce],
    flytverkPaletteRestriction: ['type', PaletteRestriction],
    flytverkPropertiesProvider: ['type', FlytverkPropertiesProvider],
  };
}
