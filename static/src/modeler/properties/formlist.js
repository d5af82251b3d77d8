// The page's "Forms of this process" list (#draft-forms-list) is rendered by
// the server when the editor opens; a form created in the properties panel is
// added here at once from the server's answer (`links`), so it can be edited
// without reloading the page.
function link(href, text) {
  var a = document.createElement('a');
  a.href = href;
  a.textContent = text;
  return a;
}

/** Replace the list with `links` ([{name, edit_url, preview_url}]). */
export function renderFormList(links) {
  var holder = document.getElementById('draft-forms-list');
  if (!holder || !Array.isArray(links) || !links.length) {
    return;
  }
  var previewLabel = holder.getAttribute('data-preview-label') || 'Preview';
  var list = document.createElement('ul');
  links.forEach(function (item) {
    var li = document.createElement('li');
    li.appendChild(link(item.edit_url, item.name));
    li.appendChild(document.createTextNode(' · '));
    li.appendChild(link(item.preview_url, previewLabel));
    list.appendChild(li);
  });
  holder.replaceChildren(list);
}

/** Fetch the draft's forms from `formsUrl` and show them (errors leave the list as it is). */
export function refreshFormList(formsUrl) {
  if (!formsUrl || typeof fetch !== 'function') {
    return Promise.resolve();
  }
  return fetch(formsUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    .then(function (res) {
      return res.ok ? res.json() : null;
    })
    .then(function (body) {
      if (body) {
        renderFormList(body.links);
      }
    }, function () {});
}

/** `flytverk` with a createForm that refreshes the page's list after a form is made. */
export function withFormList(flytverk) {
  var create = flytverk.createForm;
  if (typeof create !== 'function') {
    return flytverk;
  }
  flytverk.createForm = function (name, title) {
    return create.call(flytverk, name, title).then(function (result) {
      if (result && result.ok) {
        var app = document.getElementById('modeler-app');
        refreshFormList(app && app.getAttribute('data-forms-url'));
      }
      return result;
    });
  };
  return flytverk;
}
