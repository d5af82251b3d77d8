// The one i18n helper of the front end: page language, text lookup with
// {placeholders}, and the `translate` service bpmn-js and dmn-js take. The
// texts are data in src/texts/ ({key: English text}, bundled as the fallback);
// the server renders each of them in the page language from the translation
// catalogue into the editor's data-i18n JSON (designer/web/editor_texts.py),
// with `library`: {library's English text: ours} for the library's own texts.

var has = Object.prototype.hasOwnProperty;
var LOCALES = { nb: 'nb-NO', nn: 'nn-NO', en: 'en-GB' };

/** The page language from <html lang>: 'nb', 'nn' or 'en' (bokmål unless told). */
export function pageLanguage() {
  var lang = (document.documentElement.getAttribute('lang') || 'nb').toLowerCase();
  if (lang.indexOf('en') === 0) {
    return 'en';
  }
  return lang.indexOf('nn') === 0 ? 'nn' : 'nb';
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
 * Build t(key, values) from English texts ({key: text}; later ones win) and
 * the server's texts in the page language (the data-i18n JSON, which wins).
 * `t.texts` holds the merged texts, `t.library` the library table from the
 * server ({English: ours}) or null when there is none.
 */
export function createTexts(catalogues, overrides) {
  var texts = {};
  catalogues.forEach(function (catalogue) {
    Object.keys(catalogue).forEach(function (key) {
      texts[key] = catalogue[key];
    });
  });
  var library = null;
  if (overrides && typeof overrides === 'object') {
    Object.keys(overrides).forEach(function (key) {
      if (typeof overrides[key] === 'string') {
        texts[key] = overrides[key];
      }
    });
    var table = overrides.library;
    if (table && typeof table === 'object' && Object.keys(table).length) {
      library = table;
    }
  }
  function t(key, values) {
    return format(has.call(texts, key) ? texts[key] : key, values);
  }
  t.texts = texts;
  t.library = library;
  return t;
}

/**
 * A didi module providing `translate` for bpmn-js / dmn-js: `table` maps the
 * library's English texts to ours (null: the library keeps its own texts).
 * `ignoreCase` looks texts up regardless of case (bpmn-js writes element
 * types both as "User task" and "User Task").
 */
export function translateModule(table, ignoreCase) {
  var lookup = {};
  Object.keys(table || {}).forEach(function (text) {
    lookup[ignoreCase ? text.toLowerCase() : text] = table[text];
  });
  function translate(template, replacements) {
    var key = ignoreCase && typeof template === 'string' ? template.toLowerCase() : template;
    var text = has.call(lookup, key) ? lookup[key] : template;
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
  var locale = LOCALES[pageLanguage()];
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
