// The dialog an editor shows when the server answers 409: someone else saved
// after this page loaded. Built on first use; the editor supplies the texts
// and the actions (reload, save as copy, download my changes, cancel).
import { el } from './dom';

/**
 * `spec.detailClass`: class suffix of the second paragraph ('by', 'detail');
 * `spec.actions`: [{key, label, primary, run(dialog, button)}], in order; the
 * primary one gets the focus (the safe choice).
 */
export function createConflictDialog(app, prefix, t, spec) {
  var dialog = null;
  var text = null;
  var detail = null;
  var error = null;
  var primary = null;

  function button(action) {
    var node = el('button', {
      type: 'button',
      class: 'btn ' + (action.primary ? 'btn-primary' : 'btn-secondary'),
      'data-action': 'conflict-' + action.key,
      text: action.label,
    });
    node.addEventListener('click', function () {
      action.run(api, node);
    });
    if (action.primary) {
      primary = node;
    }
    return node;
  }

  function build() {
    text = el('p', { class: prefix + '-dialog__text', id: prefix + '-conflict-text' });
    detail = el('p', { class: prefix + '-dialog__' + (spec.detailClass || 'detail') });
    error = el('p', { class: prefix + '-dialog__error', role: 'alert', hidden: true });
    dialog = el('dialog', {
      class: prefix + '-dialog',
      'aria-labelledby': prefix + '-conflict-title',
      'aria-describedby': prefix + '-conflict-text',
    }, [
      el('h2', { class: prefix + '-dialog__title', id: prefix + '-conflict-title', text: t('conflict_title') }),
      text,
      detail,
      error,
      el('div', { class: prefix + '-dialog__actions' }, spec.actions.map(button)),
    ]);
    app.appendChild(dialog);
  }

  var api = {
    show: function (message, detailText) {
      if (!dialog) {
        build();
      }
      text.textContent = message;
      detail.textContent = detailText || '';
      detail.hidden = !detailText;
      error.hidden = true;
      if (typeof dialog.showModal === 'function') {
        if (!dialog.open) {
          dialog.showModal();
        }
      } else {
        dialog.setAttribute('open', '');
      }
      if (primary) {
        primary.focus();
      }
    },
    close: function () {
      if (typeof dialog.close === 'function' && dialog.open) {
        dialog.close();
      } else {
        dialog.removeAttribute('open');
      }
    },
    /** An action failed: say so inside the dialog (empty: hide). */
    error: function (message) {
      error.textContent = message || '';
      error.hidden = !message;
    },
  };
  return api;
}
