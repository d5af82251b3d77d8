// Flytverk form editor: the form-js editor (@bpmn-io/form-js-editor) with a
// toolbar, save/conflict handling and a problem list. Loaded only on form
// editor pages (in addition to app.js/app.css). Talks to the server through
// the URLs in the data-* attributes of #form-editor-app (contract:
// static/README.md).
//
// No inline scripts or <style> elements are created by our code and nothing
// uses eval, so `script-src 'self'; style-src 'self'` keeps working (form-js
// sets a few element styles through the CSSOM, which CSP allows).
import { FormEditor } from '@bpmn-io/form-js-editor';

import { createTexts, pageLanguage } from './formeditor/i18n';
import { createFlytverkModule } from './formeditor/modules';
import { downloadText, safeFileName } from './lib/download';
import { clear, el, parseJSON } from './lib/dom';

import './formeditor.css';

function formatTime(value) {
  var date = value instanceof Date ? value : new Date(value);
  if (isNaN(date.getTime())) {
    return String(value);
  }
  var locale = pageLanguage() === 'en' ? 'en-GB' : 'nb-NO';
  try {
    return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(date);
  } catch (e) {
    return date.toLocaleTimeString();
  }
}

function cssEscape(value) {
  if (window.CSS && typeof window.CSS.escape === 'function') {
    return window.CSS.escape(value);
  }
  return String(value).replace(/["\\\]]/g, '\\$&');
}

/* ------------------------------------------------------------------ */
/* Server                                                             */
/* ------------------------------------------------------------------ */

function createApi(csrfToken) {
  function request(method, url, body) {
    var headers = {
      Accept: 'application/json',
      'Content-Type': 'application/json',
    };
    if (csrfToken) {
      headers['X-CSRFToken'] = csrfToken;
    }
    return fetch(url, {
      method: method,
      credentials: 'same-origin',
      headers: headers,
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response.text().then(function (text) {
        return { status: response.status, ok: response.ok, data: parseJSON(text, {}) || {} };
      });
    });
  }
  return {
    get: function (url) {
      return request('GET', url);
    },
    post: function (url, body) {
      return request('POST', url, body);
    },
  };
}

/* ------------------------------------------------------------------ */
/* Editor                                                             */
/* ------------------------------------------------------------------ */

function initEditor(app) {
  var data = app.dataset;
  var t = createTexts(parseJSON(data.i18n, {}));
  var api = createApi(data.csrfToken);

  var state = {
    name: null,
    revision: null,
    savedJSON: null,
    saving: null,
    savedAt: null,
    problems: [],
    loaded: false,
    dirty: false,
  };

  /* ---- layout ------------------------------------------------------- */

  clear(app);
  app.classList.add('form-editor-app');

  var status = el('p', { class: 'form-editor-status', role: 'status', 'aria-live': 'polite', text: t('status_loading') });
  var toolbar = el('div', { class: 'form-editor-toolbar', role: 'toolbar', 'aria-label': t('toolbar_label') });
  var notices = el('div', { class: 'form-editor-notices' });
  var problemsList = el('ul', { class: 'form-editor-problems__list' });
  var problemsCount = el('span', { class: 'form-editor-problems__count', text: '(0)' });
  var problemsPanel = el('section', {
    class: 'form-editor-problems',
    'aria-labelledby': 'form-editor-problems-heading',
    hidden: true,
  }, [
    el('h2', { class: 'form-editor-problems__heading', id: 'form-editor-problems-heading' }, [
      el('span', { text: t('problems_title') }), ' ', problemsCount,
    ]),
    problemsList,
  ]);
  var canvasEl = el('div', { class: 'form-editor-canvas', role: 'region', 'aria-label': t('editor_label') });

  app.appendChild(el('div', { class: 'form-editor-bar' }, [toolbar, status]));
  app.appendChild(notices);
  app.appendChild(problemsPanel);
  app.appendChild(canvasEl);

  /* ---- notices ------------------------------------------------------ */

  function notify(message, kind, details, link) {
    var closeButton = el('button', { type: 'button', class: 'form-editor-notice__close', text: t('close') });
    var text = el('p', { class: 'form-editor-notice__text' }, [message]);
    if (link) {
      text.appendChild(document.createTextNode(' '));
      text.appendChild(el('a', { href: link.href, target: '_blank', rel: 'noopener', text: link.text }));
    }
    var notice = el('div', {
      class: 'form-editor-notice form-editor-notice--' + (kind || 'info'),
      role: kind === 'error' ? 'alert' : 'status',
    }, [
      text,
      details && details.length ? el('ul', { class: 'form-editor-notice__details' }, details.map(function (d) {
        return el('li', { text: d });
      })) : null,
      closeButton,
    ]);
    closeButton.addEventListener('click', function () {
      notice.remove();
      fitHeight();
    });
    notices.appendChild(notice);
    fitHeight();
    return notice;
  }

  function clearNotices() {
    clear(notices);
    fitHeight();
  }

  /* ---- height: viewport minus whatever the site puts above ----------- */

  function fitHeight() {
    var top = app.getBoundingClientRect().top + (window.pageYOffset || 0);
    var available = window.innerHeight - Math.max(0, top);
    app.style.height = Math.max(420, Math.floor(available)) + 'px';
  }
  window.addEventListener('resize', fitHeight);
  fitHeight();

  /* ---- form-js editor ----------------------------------------------- */

  var formEditor = new FormEditor({
    container: canvasEl,
    additionalModules: [createFlytverkModule(t)],
    properties: { ariaLabel: t('editor_label') },
  });
  window.flytverkFormEditor = formEditor;

  var eventBus = formEditor.get('eventBus');
  var commandStack = formEditor.get('commandStack', false);
  var selection = formEditor.get('selection');
  var formFieldRegistry = formEditor.get('formFieldRegistry');
  var debounce = formEditor.get('debounce');

  /* ---- dirty state ---------------------------------------------------- */

  function currentJSON() {
    return JSON.stringify(formEditor.getSchema());
  }

  function isDirty() {
    return state.loaded && state.dirty;
  }

  var buttons = {};

  function updateStatus(override) {
    var dirty = isDirty();
    app.dataset.dirty = dirty ? 'true' : 'false';
    app.classList.toggle('form-editor-app--dirty', dirty);
    if (buttons.undo && commandStack) {
      buttons.undo.disabled = !commandStack.canUndo();
      buttons.redo.disabled = !commandStack.canRedo();
      syncRovingTabindex();
    }
    var text;
    if (override) {
      text = override;
    } else if (state.saving) {
      text = t('status_saving');
    } else if (dirty) {
      text = t('status_dirty');
    } else if (state.savedAt) {
      text = t('status_saved_at', { time: formatTime(state.savedAt) });
    } else if (state.loaded) {
      text = t('status_saved');
    } else {
      text = t('status_loading');
    }
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  function recomputeDirty() {
    if (!state.loaded) {
      return;
    }
    state.dirty = currentJSON() !== state.savedJSON;
    updateStatus();
  }

  // `changed` fires after every schema change (commands, undo/redo, import).
  formEditor.on('changed', recomputeDirty);
  eventBus.on('commandStack.changed', function () {
    if (state.loaded) {
      updateStatus();
    }
  });

  window.addEventListener('beforeunload', function (event) {
    if (debounce.hasPending()) {
      debounce.flushAll();
    }
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = '';
      return '';
    }
    return undefined;
  });

  /* ---- problems --------------------------------------------------------- */

  function findField(key) {
    if (!key) {
      return null;
    }
    var fields = formFieldRegistry.getAll();
    var match = null;
    ['key', 'path', 'id'].some(function (attribute) {
      match = fields.filter(function (field) {
        return field.type !== 'default' && field[attribute] === key;
      })[0] || null;
      return match !== null;
    });
    return match;
  }

  function revealField(field) {
    selection.set(field);
    // the canvas element is focusable (tabindex 0); form-js scrolls it into view
    var node = canvasEl.querySelector('.fjs-form-container [data-id="' + cssEscape(field.id) + '"]');
    if (node && typeof node.focus === 'function') {
      node.focus({ preventScroll: true });
      if (typeof node.scrollIntoView === 'function') {
        node.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  function renderProblems() {
    clear(problemsList);
    var problems = state.problems || [];
    problems.forEach(function (problem) {
      var key = problem && problem.key ? String(problem.key) : null;
      var field = findField(key);
      var where;
      if (!key) {
        where = t('problem_form');
      } else if (field) {
        where = t('problem_field', { key: key });
      } else {
        where = t('problem_field_missing', { key: key });
      }
      var content = [
        el('span', { class: 'form-editor-problem__message', text: String((problem && problem.message) || '') }),
        ' ',
        el('span', { class: 'form-editor-problem__where', text: '– ' + where }),
      ];
      var item;
      if (field) {
        var button = el('button', { type: 'button', class: 'form-editor-problem__link', 'data-key': key }, content);
        button.addEventListener('click', function () {
          // the field may have been re-created (undo): look it up again
          revealField(findField(key) || field);
        });
        item = el('li', { class: 'form-editor-problem', 'data-key': key }, [button]);
      } else {
        item = el('li', { class: 'form-editor-problem form-editor-problem--global', 'data-key': key || undefined }, content);
      }
      problemsList.appendChild(item);
    });
    problemsCount.textContent = '(' + problems.length + ')';
    problemsPanel.hidden = problems.length === 0;
    app.dataset.problemCount = String(problems.length);
    fitHeight();
  }

  /* ---- loading ------------------------------------------------------------ */

  // form-js gives components without `layout.row` (hand-written definitions)
  // a fresh row id on every change, which re-mounts the canvas elements and
  // pulls the focus out of the properties panel after each edit (form-js only
  // persists row ids when a component is added, moved or removed). Persist
  // them once right after the import, before the clean state is recorded.
  function persistRowIds() {
    var layouter = formEditor.get('formLayouter', false);
    if (!layouter || typeof layouter.getRowForField !== 'function') {
      return;
    }
    formFieldRegistry.getAll().forEach(function (field) {
      if (field.type === 'default' || (field.layout && field.layout.row)) {
        return;
      }
      var row = layouter.getRowForField(field);
      if (row && row.id) {
        field.layout = Object.assign({}, field.layout, { row: row.id });
      }
    });
  }

  function importDefinition(payload) {
    var definition = payload.definition;
    if (!definition || typeof definition !== 'object') {
      return Promise.reject(new Error('no definition'));
    }
    state.loaded = false;
    return formEditor.importSchema(definition).then(function (result) {
      persistRowIds();
      var warnings = (result && result.warnings) || [];
      if (warnings.length) {
        notify(t('import_warnings', { count: warnings.length }), 'warning', warnings.slice(0, 10).map(function (w) {
          return String((w && w.message) || w).split('\n')[0];
        }));
      }
      state.name = payload.name || state.name;
      if (state.name) {
        canvasEl.setAttribute('aria-label', t('editor_label') + ': ' + state.name);
      }
      state.revision = payload.revision === undefined ? null : payload.revision;
      state.savedJSON = currentJSON();
      state.dirty = false;
      state.savedAt = null;
      state.problems = [];
      state.loaded = true;
      if (commandStack) {
        commandStack.clear();
      }
      renderProblems();
      app.dataset.revision = String(state.revision);
      updateStatus();
      fitHeight();
      app.dataset.ready = 'true';
    });
  }

  function loadDefinition() {
    return api.get(data.definitionUrl).then(function (res) {
      if (!res.ok) {
        throw new Error(res.data.error || ('HTTP ' + res.status));
      }
      return importDefinition(res.data);
    });
  }

  /* ---- saving ------------------------------------------------------------- */

  function save() {
    if (state.saving) {
      return state.saving;
    }
    if (!state.loaded) {
      return Promise.resolve('error');
    }
    debounce.flushAll();
    var schema = formEditor.getSchema();
    var postedJSON = JSON.stringify(schema);
    var promise = api.post(data.definitionUrl, { definition: schema, revision: state.revision }).then(function (res) {
      state.saving = null;
      if (res.status === 200 || res.status === 201) {
        if (res.data.revision !== undefined) {
          state.revision = res.data.revision;
        }
        app.dataset.revision = String(state.revision);
        state.savedJSON = postedJSON;
        state.dirty = currentJSON() !== state.savedJSON;
        state.savedAt = new Date();
        state.problems = res.data.problems || [];
        renderProblems();
        updateStatus();
        return 'saved';
      }
      if (res.status === 409) {
        updateStatus(t('status_save_failed'));
        showConflict(res.data);
        return 'conflict';
      }
      if (res.status === 400) {
        state.problems = res.data.problems || [];
        renderProblems();
        var message = state.problems.length
          ? t('save_invalid', { count: state.problems.length })
          : t('save_error', { error: res.data.error || 'HTTP 400' });
        notify(message, 'error', state.problems.length && res.data.error ? [res.data.error] : null);
        updateStatus(t('status_save_failed'));
        return 'invalid';
      }
      notify(t('save_error', { error: res.data.error || ('HTTP ' + res.status) }), 'error');
      updateStatus(t('status_save_failed'));
      return 'error';
    }).catch(function (error) {
      state.saving = null;
      if (window.console && console.warn) {
        console.warn('Flytverk: save failed', error);
      }
      notify(t('network_error'), 'error');
      updateStatus(t('status_save_failed'));
      return 'error';
    });
    state.saving = promise;
    updateStatus();
    return promise;
  }

  /* ---- conflict dialog -------------------------------------------------- */

  var dialog = null;
  var dialogText = null;
  var dialogDetail = null;
  var dialogCancel = null;

  function downloadMine() {
    debounce.flushAll();
    var base = safeFileName(String(state.name || 'skjema').replace(/\.json$/i, ''), 'skjema');
    downloadText(JSON.stringify(formEditor.getSchema(), null, 2) + '\n', base + '-mine-endringer.json', 'application/json');
  }

  function buildDialog() {
    dialogText = el('p', { class: 'form-editor-dialog__text', id: 'form-editor-conflict-text' });
    dialogDetail = el('p', { class: 'form-editor-dialog__detail' });
    var download = el('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'conflict-download', text: t('conflict_download') });
    var reload = el('button', { type: 'button', class: 'btn btn-secondary', 'data-action': 'conflict-reload', text: t('conflict_reload') });
    dialogCancel = el('button', { type: 'button', class: 'btn btn-primary', 'data-action': 'conflict-cancel', text: t('conflict_cancel') });
    dialog = el('dialog', {
      class: 'form-editor-dialog',
      'aria-labelledby': 'form-editor-conflict-title',
      'aria-describedby': 'form-editor-conflict-text',
    }, [
      el('h2', { class: 'form-editor-dialog__title', id: 'form-editor-conflict-title', text: t('conflict_title') }),
      dialogText,
      dialogDetail,
      el('div', { class: 'form-editor-dialog__actions' }, [dialogCancel, download, reload]),
    ]);
    download.addEventListener('click', downloadMine);
    reload.addEventListener('click', function () {
      closeDialog();
      clearNotices();
      loadDefinition().catch(function (error) {
        notify(t('load_error', { error: error.message }), 'error');
      });
    });
    dialogCancel.addEventListener('click', closeDialog);
    app.appendChild(dialog);
  }

  function closeDialog() {
    if (typeof dialog.close === 'function' && dialog.open) {
      dialog.close();
    } else {
      dialog.removeAttribute('open');
    }
  }

  function showConflict(info) {
    if (!dialog) {
      buildDialog();
    }
    dialogText.textContent = t('conflict_text', { revision: info.current_revision !== undefined ? info.current_revision : '?' });
    dialogDetail.textContent = info.error || '';
    dialogDetail.hidden = !info.error;
    if (typeof dialog.showModal === 'function') {
      if (!dialog.open) {
        dialog.showModal();
      }
    } else {
      dialog.setAttribute('open', '');
    }
    // the safe choice gets the focus; reloading discards work
    dialogCancel.focus();
  }

  /* ---- toolbar ------------------------------------------------------------ */

  function openPreview() {
    var url = data.previewUrl;
    var tab = window.open(url, '_blank');
    if (tab) {
      try {
        tab.opener = null;
      } catch (e) {
        // cross-origin or already detached: nothing to do
      }
    } else {
      notify(t('preview_blocked'), 'warning', null, { href: url, text: t('preview') });
    }
  }

  function button(key, label, handler, extraClass) {
    var b = el('button', { type: 'button', class: 'form-editor-tool' + (extraClass ? ' ' + extraClass : ''), 'data-action': key, text: label });
    b.addEventListener('click', handler);
    buttons[key] = b;
    return b;
  }

  function group(label, items) {
    return el('div', { class: 'form-editor-toolbar__group', role: 'group', 'aria-label': label }, items);
  }

  toolbar.appendChild(group(t('save'), [
    button('save', t('save'), function () {
      save();
    }, 'form-editor-tool--primary'),
  ]));
  if (commandStack) {
    toolbar.appendChild(group(t('group_history'), [
      button('undo', t('undo'), function () {
        debounce.flushAll();
        commandStack.undo();
      }),
      button('redo', t('redo'), function () {
        commandStack.redo();
      }),
    ]));
  }
  var navItems = [];
  if (data.previewUrl) {
    var preview = el('a', {
      class: 'form-editor-tool',
      href: data.previewUrl,
      target: '_blank',
      rel: 'noopener',
      'data-action': 'preview',
    }, [t('preview'), ' ', el('span', { class: 'visually-hidden', text: t('preview_hint') })]);
    preview.addEventListener('click', function (event) {
      if (debounce.hasPending()) {
        debounce.flushAll();
      }
      if (!isDirty() && !state.saving) {
        return; // the link opens the saved form in a new tab
      }
      event.preventDefault();
      save().then(function (outcome) {
        if (outcome === 'saved') {
          openPreview();
        }
      });
    });
    navItems.push(preview);
  }
  if (data.backUrl) {
    navItems.push(el('a', { class: 'form-editor-tool', href: data.backUrl, 'data-action': 'back', text: t('back') }));
  }
  if (navItems.length) {
    toolbar.appendChild(group(t('group_navigation'), navItems));
  }

  // ARIA toolbar: one tab stop, arrow keys move between the tools.
  var rovingIndex = 0;
  function tools() {
    return Array.prototype.filter.call(toolbar.querySelectorAll('button, a[href]'), function (item) {
      return !item.disabled;
    });
  }
  function syncRovingTabindex() {
    var items = tools();
    if (!items.length) {
      return;
    }
    var active = items.indexOf(document.activeElement);
    if (active !== -1) {
      rovingIndex = active;
    }
    if (rovingIndex >= items.length) {
      rovingIndex = items.length - 1;
    }
    Array.prototype.forEach.call(toolbar.querySelectorAll('button, a[href]'), function (item) {
      item.setAttribute('tabindex', '-1');
    });
    items[rovingIndex].setAttribute('tabindex', '0');
  }
  toolbar.addEventListener('focusin', function (event) {
    var index = tools().indexOf(event.target);
    if (index !== -1) {
      rovingIndex = index;
      syncRovingTabindex();
    }
  });
  toolbar.addEventListener('keydown', function (event) {
    var items = tools();
    var index = items.indexOf(document.activeElement);
    if (index === -1) {
      return;
    }
    var next = null;
    if (event.key === 'ArrowRight' || event.key === 'ArrowDown') {
      next = (index + 1) % items.length;
    } else if (event.key === 'ArrowLeft' || event.key === 'ArrowUp') {
      next = (index - 1 + items.length) % items.length;
    } else if (event.key === 'Home') {
      next = 0;
    } else if (event.key === 'End') {
      next = items.length - 1;
    }
    if (next !== null) {
      event.preventDefault();
      rovingIndex = next;
      syncRovingTabindex();
      items[next].focus();
    }
  });
  syncRovingTabindex();

  // Ctrl+S / Cmd+S anywhere on the page.
  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 's' || event.key === 'S')) {
      event.preventDefault();
      if (state.loaded) {
        save();
      }
    }
  }, true);

  // Leaving through our own links: the beforeunload warning still applies.
  app.addEventListener('click', function (event) {
    var link = event.target && event.target.closest ? event.target.closest('a[data-action="back"]') : null;
    if (link && debounce.hasPending()) {
      debounce.flushAll();
    }
  });

  /* ---- go ---------------------------------------------------------------- */

  updateStatus(t('status_loading'));
  loadDefinition().catch(function (error) {
    app.dataset.ready = 'error';
    updateStatus(t('status_load_failed'));
    notify(t('load_error', { error: error && error.message ? error.message : String(error) }), 'error');
  });

  return formEditor;
}

function init() {
  var app = document.getElementById('form-editor-app');
  if (app && !app.dataset.initialised) {
    app.dataset.initialised = 'true';
    initEditor(app);
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
