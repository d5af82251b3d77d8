// The shell the process, form and decision editors share: toolbar and status
// line, notices, the height that fills the viewport, dirty state and the
// beforeunload warning, Ctrl/Cmd+S, loading, saving with the server's answers
// (200 saved, with its `notice` shown if it has one; 400 not saved with problems,
// 409 conflict dialog) and the JSON API with the CSRF token. The editor brings the
// library (bpmn-js, form-js, dmn-js) and tells the shell how to read and write it:
//
//   createEditorShell(app, {
//     prefix: 'modeler',            class/id prefix: .modeler-toolbar, #modeler-conflict-title …
//     texts: {key: English},        the editor's texts (src/texts/<editor>.json, over
//                                   src/texts/shell.json; data-i18n gives the page's)
//     url: app.dataset.draftUrl,    GET loads, POST saves
//     load(payload),                import what GET answered, then call shell.loaded(…)
//     prepareSave(),                -> (a promise of) {body, saved(answer)}: the shell adds
//                                   `revision` to body; saved() records the clean state and
//                                   may return a status text
//     isDirty(),                    unsaved changes? (asked only once loaded)
//     renderProblems(problems),     show [{message, element_id | key, line, file}]
//     commandStack(),               optional: the stack behind undo/redo
//     flush(),                      optional: commit pending input (before save / leaving)
//     idleStatus(),                 optional: status text when clean and not saved yet
//     invalidNotice(answer),        optional: {message, details} for a 400
//     onResize(),                   optional: after the height changed
//     conflict: {text(info), detail(info), detailClass, confirmReload (a text key), actions},
//   })
//
// `conflict.actions`: [{key, label, primary, run(dialog, button)}]; keys
// 'reload' and 'cancel' come with their label and action. Contract with the
// server and the DOM hooks tests use: static/README.md.
import { clear, el, parseJSON } from './dom';
import { createApi } from './http';
import { createTexts, formatTime } from './i18n';
import { createConflictDialog } from './conflict-dialog';
import { createToolbar } from './toolbar';
import SHELL_TEXTS from '../texts/shell.json';

/** The message of an error (or whatever was thrown). */
export function errorText(error) {
  return error && error.message ? error.message : String(error);
}

/** Run init(app) once for #id when the document is ready. */
export function mountEditor(id, init) {
  function run() {
    var app = document.getElementById(id);
    if (app && !app.dataset.initialised) {
      app.dataset.initialised = 'true';
      init(app);
    }
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', run);
  } else {
    run();
  }
}

export function createEditorShell(app, options) {
  var prefix = options.prefix;
  var data = app.dataset;
  var t = createTexts([SHELL_TEXTS, options.texts], parseJSON(data.i18n, {}));
  var api = createApi(data.csrfToken);
  var state = { revision: null, problems: [], loaded: false, saving: null, savedAt: null, allowUnload: false };

  /* ---- layout: the bar; the editor appends the rest --------------------- */

  clear(app);
  app.classList.add(prefix + '-app');
  var toolbar = createToolbar(prefix, t('toolbar_label'));
  var status = el('p', { class: prefix + '-status', role: 'status', 'aria-live': 'polite', text: t('status_loading') });
  var notices = el('div', { class: prefix + '-notices' });
  app.appendChild(el('div', { class: prefix + '-bar' }, [toolbar.element, status]));

  function append() {
    Array.prototype.forEach.call(arguments, function (node) {
      app.appendChild(node);
    });
  }

  // The editor fills the viewport below whatever the site puts above it.
  function fitHeight() {
    var top = app.getBoundingClientRect().top + (window.pageYOffset || 0);
    app.style.height = Math.max(420, Math.floor(window.innerHeight - Math.max(0, top))) + 'px';
    if (options.onResize) {
      options.onResize();
    }
  }
  window.addEventListener('resize', fitHeight);
  fitHeight();

  /* ---- notices ------------------------------------------------------------ */

  /** kind: info | success (goes after 10 s) | warning | error; link: {href, text}. */
  function notify(message, kind, details, link) {
    var close = el('button', { type: 'button', class: prefix + '-notice__close', text: t('close') });
    var text = el('p', { class: prefix + '-notice__text' }, [message]);
    if (link) {
      text.appendChild(document.createTextNode(' '));
      text.appendChild(el('a', { href: link.href, target: '_blank', rel: 'noopener', text: link.text }));
    }
    var notice = el('div', {
      class: prefix + '-notice ' + prefix + '-notice--' + (kind || 'info'),
      role: kind === 'error' ? 'alert' : 'status',
    }, [
      text,
      details && details.length ? el('ul', { class: prefix + '-notice__details' }, details.map(function (d) {
        return el('li', { text: d });
      })) : null,
      close,
    ]);
    function remove() {
      notice.remove();
      fitHeight();
    }
    close.addEventListener('click', remove);
    notices.appendChild(notice);
    fitHeight();
    if (kind === 'success') {
      setTimeout(function () {
        if (notice.parentNode && !notice.contains(document.activeElement)) {
          remove();
        }
      }, 10000);
    }
    return notice;
  }

  function clearNotices() {
    clear(notices);
    fitHeight();
  }

  /** Tell about a library's import warnings (the first line of ten at most). */
  function importWarnings(result) {
    var warnings = (result && result.warnings) || [];
    if (warnings.length) {
      notify(t('import_warnings', { count: warnings.length }), 'warning', warnings.slice(0, 10).map(function (w) {
        return String((w && w.message) || w).split('\n')[0];
      }));
    }
  }

  /* ---- dirty state and the status line ---------------------------------- */

  function isDirty() {
    return state.loaded && !!options.isDirty();
  }

  function flush() {
    if (options.flush) {
      options.flush();
    }
  }

  function statusText(dirty) {
    if (state.saving) {
      return t('status_saving');
    }
    if (dirty) {
      return t('status_dirty');
    }
    if (state.savedAt) {
      return t('status_saved_at', { time: formatTime(state.savedAt) });
    }
    if (state.loaded) {
      return options.idleStatus ? options.idleStatus() : t('status_saved');
    }
    return t('status_loading');
  }

  function updateStatus(override) {
    var dirty = isDirty();
    data.dirty = dirty ? 'true' : 'false';
    app.classList.toggle(prefix + '-app--dirty', dirty);
    toolbar.syncHistory(options.commandStack ? options.commandStack() : null);
    var text = override || statusText(dirty);
    if (status.textContent !== text) {
      status.textContent = text;
    }
  }

  window.addEventListener('beforeunload', function (event) {
    flush();
    if (!state.allowUnload && isDirty()) {
      event.preventDefault();
      event.returnValue = '';
      return '';
    }
    return undefined;
  });

  function leaveTo(url) {
    state.allowUnload = true;
    window.location.assign(url);
  }

  /* ---- problems ----------------------------------------------------------- */

  function renderProblems() {
    options.renderProblems(state.problems);
    data.problemCount = String(state.problems.length);
    fitHeight();
  }

  /* ---- loading ------------------------------------------------------------ */

  function load() {
    return api.get(options.url).then(function (res) {
      if (!res.ok) {
        throw new Error(res.data.error || ('HTTP ' + res.status));
      }
      state.loaded = false;
      return options.load(res.data);
    });
  }

  /** The editor has imported a file: `info` {revision, problems}. */
  function loaded(info) {
    state.revision = info.revision === undefined ? null : info.revision;
    state.problems = info.problems || [];
    state.savedAt = null;
    state.loaded = true;
    renderProblems();
    data.revision = String(state.revision);
    updateStatus();
    fitHeight();
    data.ready = 'true';
  }

  function reload() {
    clearNotices();
    return load().catch(function (error) {
      notify(t('load_error', { error: errorText(error) }), 'error');
    });
  }

  /** Load the file (after `before()`, if given); failing shows why. */
  function start(before) {
    updateStatus(t('status_loading'));
    return Promise.resolve().then(before).then(load).catch(function (error) {
      data.ready = 'error';
      updateStatus(t('status_load_failed'));
      notify(t('load_error', { error: errorText(error) }), 'error');
    });
  }

  /* ---- saving ------------------------------------------------------------- */

  var conflictSpec = options.conflict;
  var STOCK_ACTIONS = {
    cancel: function (dialog) {
      dialog.close();
    },
    reload: function (dialog) {
      if (conflictSpec.confirmReload && !window.confirm(t(conflictSpec.confirmReload))) {
        return;
      }
      dialog.close();
      reload();
    },
  };
  var conflict = createConflictDialog(app, prefix, t, {
    detailClass: conflictSpec.detailClass,
    actions: conflictSpec.actions.map(function (action) {
      return {
        key: action.key,
        label: action.label || t('conflict_' + action.key),
        primary: action.primary,
        run: action.run || STOCK_ACTIONS[action.key],
      };
    }),
  });

  function answered(res, prepared) {
    var answer = res.data;
    if (res.status === 200 || res.status === 201) {
      if (answer.revision !== undefined) {
        state.revision = answer.revision;
      }
      data.revision = String(state.revision);
      state.savedAt = answer.updated_at || new Date();
      state.problems = answer.problems || [];
      renderProblems();
      updateStatus(prepared.saved ? prepared.saved(answer) : undefined);
      if (answer.notice) {
        notify(answer.notice, 'info'); // e.g. the save made an adopted service a copy
      }
      return 'saved';
    }
    if (res.status === 409) {
      updateStatus(t('status_save_failed'));
      conflict.show(conflictSpec.text(answer), conflictSpec.detail(answer));
      return 'conflict';
    }
    if (res.status === 400) {
      state.problems = answer.problems || [];
      renderProblems();
      var notice = (options.invalidNotice && options.invalidNotice(answer)) ||
        { message: t('save_error', { error: answer.error || 'HTTP 400' }) };
      notify(notice.message, 'error', notice.details);
      updateStatus(t('status_save_failed'));
      return 'invalid';
    }
    notify(t('save_error', { error: answer.error || ('HTTP ' + res.status) }), 'error');
    updateStatus(t('status_save_failed'));
    return 'error';
  }

  /** -> Promise of 'saved' | 'conflict' | 'invalid' | 'error'. */
  function save() {
    if (state.saving) {
      return state.saving;
    }
    if (!state.loaded) {
      return Promise.resolve('error');
    }
    flush();
    var promise = new Promise(function (resolve) {
      resolve(options.prepareSave());
    }).then(function (prepared) {
      var body = Object.assign({}, prepared.body, { revision: state.revision });
      return api.post(options.url, body).then(function (res) {
        state.saving = null;
        return answered(res, prepared);
      });
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

  /** Save unsaved changes, then go to url (not if the save did not succeed). */
  function saveThenGo(url) {
    if (!url) {
      return;
    }
    (isDirty() ? save() : Promise.resolve('saved')).then(function (outcome) {
      if (outcome === 'saved') {
        leaveTo(url);
      }
    });
  }

  // Ctrl+S / Cmd+S anywhere on the page.
  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 's' || event.key === 'S')) {
      event.preventDefault();
      if (state.loaded) {
        save();
      }
    }
  }, true);

  return {
    t: t,
    api: api,
    state: state,
    toolbar: toolbar,
    notices: notices,
    append: append,
    notify: notify,
    clearNotices: clearNotices,
    importWarnings: importWarnings,
    fitHeight: fitHeight,
    updateStatus: updateStatus,
    isDirty: isDirty,
    flush: flush,
    loaded: loaded,
    reload: reload,
    start: start,
    save: save,
    saveThenGo: saveThenGo,
    leaveTo: leaveTo,
  };
}
