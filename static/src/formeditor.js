// Flytverk form editor: the form-js editor (@bpmn-io/form-js-editor) in the
// shared editor shell (lib/editor-shell.js), with a problem list. Loaded only
// on form editor pages (in addition to app.js/app.css). Talks to the server
// through the URLs in the data-* attributes of #form-editor-app (contract:
// static/README.md).
//
// No inline scripts or <style> elements are created by our code and nothing
// uses eval, so `script-src 'self'; style-src 'self'` keeps working (form-js
// sets a few element styles through the CSSOM, which CSP allows).
import { FormEditor } from '@bpmn-io/form-js-editor';

import TEXTS from './texts/formeditor.json';
import { createFlytverkModule } from './formeditor/modules';
import { downloadText, safeFileName } from './lib/download';
import { cssEscape, el } from './lib/dom';
import { createEditorShell, mountEditor } from './lib/editor-shell';
import { translateTree } from './lib/i18n';
import { createProblemsPanel } from './lib/problems';

import './formeditor.css';

// Our own content inside the editor, never translated: the fields the owner made.
var FORM_JS_SKIP = [
  '.fjs-form-field',
  '.bio-properties-panel-header-label',
  '.bio-properties-panel-collapsible-entry-header-title',
  '.flytverk-no-translate',
].join(', ');

function initEditor(app) {
  var data = app.dataset;
  // The clean state is the schema as JSON when it was loaded or saved.
  var state = { name: null, savedJSON: null, dirty: false };
  var formEditor = null;

  var shell = createEditorShell(app, {
    prefix: 'form-editor',
    texts: TEXTS,
    url: data.definitionUrl,
    load: importDefinition,
    prepareSave: function () {
      var schema = formEditor.getSchema();
      var posted = JSON.stringify(schema);
      return {
        body: { definition: schema },
        saved: function () {
          state.savedJSON = posted;
          state.dirty = currentJSON() !== state.savedJSON;
        },
      };
    },
    isDirty: function () {
      return state.dirty;
    },
    renderProblems: renderProblems,
    commandStack: function () {
      return formEditor && formEditor.get('commandStack', false);
    },
    flush: function () {
      if (formEditor) {
        formEditor.get('debounce').flushAll();
      }
    },
    invalidNotice: function (answer) {
      var count = (answer.problems || []).length;
      return count ? { message: t('save_invalid', { count: count }), details: answer.error ? [answer.error] : null } : null;
    },
    conflict: {
      text: function (info) {
        return t('conflict_text', { revision: info.current_revision !== undefined ? info.current_revision : '?' });
      },
      detail: function (info) {
        return info.error || '';
      },
      actions: [{ key: 'cancel', primary: true }, { key: 'download', run: downloadMine }, { key: 'reload' }],
    },
  });
  var t = shell.t;

  var problems = createProblemsPanel('form-editor', t);
  var canvasEl = el('div', { class: 'form-editor-canvas', role: 'region', 'aria-label': t('editor_label') });
  shell.append(shell.notices, problems.element, canvasEl);

  /* ---- form-js editor ----------------------------------------------- */

  formEditor = new FormEditor({
    container: canvasEl,
    additionalModules: [createFlytverkModule(t, t.library)],
    properties: { ariaLabel: t('editor_label') },
  });
  // form-js's own palette and properties texts in the page language (form-js
  // takes no translate service; the server's table is in data-i18n)
  translateTree(canvasEl, t.library, FORM_JS_SKIP);
  window.flytverkFormEditor = formEditor;

  var commandStack = formEditor.get('commandStack', false);
  var selection = formEditor.get('selection');
  var formFieldRegistry = formEditor.get('formFieldRegistry');

  function currentJSON() {
    return JSON.stringify(formEditor.getSchema());
  }

  // `changed` fires after every schema change (commands, undo/redo, import).
  formEditor.on('changed', function () {
    if (shell.state.loaded) {
      state.dirty = currentJSON() !== state.savedJSON;
      shell.updateStatus();
    }
  });
  formEditor.get('eventBus').on('commandStack.changed', function () {
    if (shell.state.loaded) {
      shell.updateStatus();
    }
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

  /** Problems: [{key, message}]; a key that names a component becomes a button. */
  function renderProblems(list) {
    problems.render(list.map(function (problem) {
      var key = problem && problem.key ? String(problem.key) : null;
      var field = findField(key);
      var where = !key ? t('problem_form') : t(field ? 'problem_field' : 'problem_field_missing', { key: key });
      return {
        message: (problem && problem.message) || '',
        where: where,
        attrs: { 'data-key': key || undefined },
        linkAttrs: { 'data-key': key },
        reveal: field ? function () {
          // the field may have been re-created (undo): look it up again
          revealField(findField(key) || field);
        } : null,
      };
    }));
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
    return formEditor.importSchema(definition).then(function (result) {
      persistRowIds();
      shell.importWarnings(result);
      state.name = payload.name || state.name;
      if (state.name) {
        canvasEl.setAttribute('aria-label', t('editor_label') + ': ' + state.name);
      }
      state.savedJSON = currentJSON();
      state.dirty = false;
      if (commandStack) {
        commandStack.clear();
      }
      shell.loaded({ revision: payload.revision, problems: [] });
    });
  }

  // Conflict: keep my changes as a file before reloading.
  function downloadMine() {
    shell.flush();
    var base = safeFileName(String(state.name || 'skjema').replace(/\.json$/i, ''), 'skjema');
    downloadText(JSON.stringify(formEditor.getSchema(), null, 2) + '\n', base + '-mine-endringer.json', 'application/json');
  }

  /* ---- toolbar ------------------------------------------------------------ */

  var toolbar = shell.toolbar;

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
      shell.notify(t('preview_blocked'), 'warning', null, { href: url, text: t('preview') });
    }
  }

  function previewLink() {
    var preview = toolbar.link('preview', data.previewUrl, [
      t('preview'), ' ', el('span', { class: 'visually-hidden', text: t('preview_hint') }),
    ], { target: '_blank', rel: 'noopener' });
    preview.addEventListener('click', function (event) {
      shell.flush();
      if (!shell.isDirty() && !shell.state.saving) {
        return; // the link opens the saved form in a new tab
      }
      event.preventDefault();
      shell.save().then(function (outcome) {
        if (outcome === 'saved') {
          openPreview();
        }
      });
    });
    return preview;
  }

  toolbar.group(t('save'), [toolbar.button('save', t('save'), shell.save, true)]);
  if (commandStack) {
    toolbar.group(t('group_history'), [
      toolbar.button('undo', t('undo'), function () {
        shell.flush();
        commandStack.undo();
      }),
      toolbar.button('redo', t('redo'), function () {
        commandStack.redo();
      }),
    ]);
  }
  var navItems = [];
  if (data.previewUrl) {
    navItems.push(previewLink());
  }
  if (data.backUrl) {
    navItems.push(toolbar.link('back', data.backUrl, t('back')));
  }
  if (navItems.length) {
    toolbar.group(t('group_navigation'), navItems);
  }

  shell.start();
  return formEditor;
}

mountEditor('form-editor-app', initEditor);
