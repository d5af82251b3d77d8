// The editors' problem lists (what the server found on the last save/load):
// one item per problem, a button when it points at something on screen.
import { clear, el } from './dom';

/** List item: the message, then where it is ("– field «x»"), then a link to a page if given. */
export function problemItem(prefix, problem) {
  var content = [
    el('span', { class: prefix + '-problem__message', text: String(problem.message || '') }),
    problem.where ? ' ' : null,
    problem.where ? el('span', { class: prefix + '-problem__where', text: '– ' + problem.where }) : null,
  ];
  var attrs = problem.attrs || {};
  // A page where the problem is fixed (the catalogue card), as a real link after the text.
  var page = problem.link && problem.link.href
    ? [' ', el('a', { class: prefix + '-problem__page', href: problem.link.href, text: problem.link.text })]
    : [];
  if (!problem.reveal) {
    return el('li', Object.assign({ class: prefix + '-problem ' + prefix + '-problem--global' }, attrs),
      content.concat(page));
  }
  var link = el('button', Object.assign({ type: 'button', class: prefix + '-problem__link' }, problem.linkAttrs), content);
  link.addEventListener('click', problem.reveal);
  return el('li', Object.assign({ class: prefix + '-problem' }, attrs), [link].concat(page));
}

/**
 * The panel the form and decision editors show above their canvas: a heading
 * with a count and the list; hidden while there are no problems.
 */
export function createProblemsPanel(prefix, t) {
  var list = el('ul', { class: prefix + '-problems__list' });
  var count = el('span', { class: prefix + '-problems__count', text: '(0)' });
  var element = el('section', {
    class: prefix + '-problems',
    'aria-labelledby': prefix + '-problems-heading',
    hidden: true,
  }, [
    el('h2', { class: prefix + '-problems__heading', id: prefix + '-problems-heading' }, [
      el('span', { text: t('problems_title') }), ' ', count,
    ]),
    list,
  ]);

  /** `items`: {message, where, reveal (click handler, optional), attrs, linkAttrs}. */
  function render(items) {
    clear(list);
    items.forEach(function (item) {
      list.appendChild(problemItem(prefix, item));
    });
    count.textContent = '(' + items.length + ')';
    element.hidden = items.length === 0;
  }

  return { element: element, render: render };
}
