// The one i18n helper of the front end: page language, text lookup with
// {placeholders}, and the `translate` service bpmn-js and dmn-js take. The
// texts themselves are data, one catalogue per editor ({nb: {...}, en: {...}};
// Norwegian bokmål first, English when <html lang> starts with "en").

var has = Object.prototype.hasOwnProperty;

/** 'en' when <html lang> starts with "en", otherwise 'nb'. */
export function pageLanguage() {
  var lang = (document.documentElement.getAttribute('lang') || 'nb').toLowerCase();
  return lang.indexOf('en') === 0 ? 'en' : 'nb';
}

/** Fill {name} placeholders from `values`; unknown or empty ones stay as written. */
export function format(text, values) {
  if (!values) {
    return text;
  }
  return String(text).replace(/\{([^}]+)\}/g, function (match, key) {
    return has.call(values, key) && values[key] !== undefined && values[key] !== null
      ? String(values[key])
      : match;
  });
}

/**
 * Build t(key, values) from catalogues ({nb, en}; later ones win) for the
 * page language, falling back to Norwegian per key, then the server's
 * overrides (the data-i18n JSON). `t.texts` holds the merged texts.
 */
export function createTexts(catalogues, overrides) {
  var lang = pageLanguage();
  var texts = {};
  catalogues.forEach(function (catalogue) {
    var base = catalogue[lang] || {};
    Object.keys(catalogue.nb).forEach(function (key) {
      texts[key] = base[key] !== undefined ? base[key] : catalogue.nb[key];
    });
  });
  if (overrides && typeof overrides === 'object') {
    Object.keys(overrides).forEach(function (key) {
      if (typeof overrides[key] === 'string') {
        texts[key] = overrides[key];
      }
    });
  }
  function t(key, values) {
    return format(has.call(texts, key) ? texts[key] : key, values);
  }
  t.texts = texts;
  return t;
}

/**
 * A didi module providing `translate` for bpmn-js / dmn-js: `tables` maps a
 * language to {library text: our text}; languages without a table keep the
 * library's own (English) texts. `ignoreCase` looks texts up in lower case.
 */
export function translateModule(tables, ignoreCase) {
  var table = tables[pageLanguage()] || null;
  function translate(template, replacements) {
    var key = ignoreCase && typeof template === 'string' ? template.toLowerCase() : template;
    var text = table && has.call(table, key) ? table[key] : template;
    return format(text, replacements);
  }
  return { translate: ['value', translate] };
}

/** A time for the status line: hh:mm today, else a short date and time. */
export function formatTime(value) {
  if (!value) {
    return '';
  }
  var date = value instanceof Date ? value : new Date(value);
  if (isNaN(date.getTime())) {
    return String(value);
  }
  var locale = pageLanguage() === 'en' ? 'en-GB' : 'nb-NO';
  var sameDay = new Date().toDateString() === date.toDateString();
  try {
    return sameDay
      ? new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date)
      : new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(date);
  } catch (e) {
    return date.toLocaleString();
  }
}

var TRANSLATED_ATTRIBUTES = ['title', 'placeholder', 'aria-label'];

/**
 * Translate a library's fixed English texts inside `root` for libraries that
 * take no `translate` service (the form-js editor writes its palette and
 * property labels as literals). `table` maps an English text (trimmed) to
 * ours; text nodes and the title/placeholder/aria-label attributes are
 * translated now and whenever the library renders again. Nodes inside
 * `skip` (a selector: the user's own content) and form controls' values are
 * never touched. Returns a function that stops observing.
 */
export function translateTree(root, table, skip) {
  if (!root || !table || typeof MutationObserver === 'undefined') {
    return function () {};
  }
  function skipped(node) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    return !element || (skip && element.closest(skip)) || element.closest('[contenteditable="true"]');
  }
  function text(node) {
    var raw = node.data;
    var key = raw.trim();
    if (key && has.call(table, key) && table[key] !== key && !skipped(node)) {
      node.data = raw.replace(key, table[key]);
    }
  }
  function attributes(element) {
    if (skipped(element)) {
      return;
    }
    TRANSLATED_ATTRIBUTES.forEach(function (name) {
      var value = element.getAttribute(name);
      if (value && has.call(table, value.trim()) && table[value.trim()] !== value) {
        element.setAttribute(name, table[value.trim()]);
      }
    });
  }
  function walk(node) {
    if (node.nodeType === 3) {
      text(node);
      return;
    }
    if (node.nodeType !== 1) {
      return;
    }
    attributes(node);
    var walker = document.createTreeWalker(node, 5 /* SHOW_ELEMENT | SHOW_TEXT */);
    var current = walker.nextNode();
    while (current) {
      if (current.nodeType === 3) {
        text(current);
      } else {
        attributes(current);
      }
      current = walker.nextNode();
    }
  }
  walk(root);
  var observer = new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      if (mutation.type === 'characterData') {
        text(mutation.target);
      } else if (mutation.type === 'attributes') {
        attributes(mutation.target);
      } else {
        mutation.addedNodes.forEach(walk);
      }
    });
  });
  observer.observe(root, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: TRANSLATED_ATTRIBUTES,
  });
  return function () {
    observer.disconnect();
  };
}

/** The table for the page language from `tables` ({nb: {...}}), or null. */
export function tableFor(tables) {
  return (tables && tables[pageLanguage()]) || null;
}
