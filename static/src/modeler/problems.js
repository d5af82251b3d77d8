// The process editor's problems panel (below the canvas, collapsible) and the
// matching canvas markers: a red outline plus a count badge on each element
// with problems (shape, not colour alone). Problems of the process itself
// are listed as "the whole process", never as a marker floating at 0,0.
import { clear, el } from '../lib/dom';
import { problemItem } from '../lib/problems';

function findProblemElement(elementRegistry, id) {
  if (!id) {
    return null;
  }
  var element = elementRegistry.get(id);
  if (element) {
    return element;
  }
  // a process id: point at its participant, if any
  return elementRegistry.filter(function (candidate) {
    var bo = candidate.businessObject;
    return candidate.type === 'bpmn:Participant' && bo && bo.processRef && bo.processRef.id === id;
  })[0] || null;
}

/** The process or collaboration itself: it has no shape to mark (bpmn-js draws it at 0,0). */
function isRoot(element) {
  return !!element && !element.parent && !element.waypoints;
}

function elementLabel(element, fallbackId) {
  var bo = element && element.businessObject;
  var name = bo && bo.name ? String(bo.name).replace(/\s+/g, ' ').trim() : '';
  var id = element ? element.id : fallbackId;
  return name ? name + ' (' + id + ')' : id;
}

function revealElement(modeler, element) {
  var canvas = modeler.get('canvas');
  if (isRoot(element)) {
    // the properties panel shows the process when nothing is selected
    if (element !== canvas.getRootElement()) {
      canvas.setRootElement(element);
    }
    modeler.get('selection').select(null);
    return;
  }
  var root = canvas.findRoot ? canvas.findRoot(element) : null;
  if (root && root !== canvas.getRootElement()) {
    canvas.setRootElement(root);
  }
  modeler.get('selection').select(element);
  try {
    canvas.scrollToElement(element, { top: 100, bottom: 100, left: 100, right: 100 });
  } catch (e) {
    // element without a visible shape
  }
}

function where(t, problem, element) {
  if (problem.where && !problem.element_id) {
    return problem.where; // e.g. the catalogue card
  }
  var whole = !problem.element_id || isRoot(element);
  var parts = [whole ? t('problem_process') : elementLabel(element, problem.element_id)];
  if (problem.line) {
    parts.push((problem.file ? problem.file + ', ' : '') + t('problem_line', { line: problem.line }));
  } else if (problem.file) {
    parts.push(problem.file);
  }
  return parts.join(', ');
}

/** `onToggle()`: the panel opened or closed (the canvas changes size). */
export function createProblemsView(t, onToggle) {
  var markedIds = [];
  var list = el('ul', { class: 'modeler-problems__list', id: 'modeler-problems-list' });
  var empty = el('p', { class: 'modeler-problems__empty', text: t('problems_none') });
  var count = el('span', { class: 'modeler-problems__count', text: '(0)' });
  var toggle = el('button', {
    type: 'button',
    class: 'modeler-problems__toggle',
    'aria-expanded': 'true',
    'aria-controls': 'modeler-problems-body',
  }, [el('span', { class: 'modeler-problems__title', text: t('problems_title') }), ' ', count]);
  var body = el('div', { class: 'modeler-problems__body', id: 'modeler-problems-body' }, [empty, list]);
  var panel = el('section', { class: 'modeler-problems', 'aria-labelledby': 'modeler-problems-heading' }, [
    el('h2', { class: 'modeler-problems__heading', id: 'modeler-problems-heading' }, [toggle]),
    body,
  ]);

  function setOpen(open) {
    toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    body.hidden = !open;
    panel.classList.toggle('modeler-problems--collapsed', !open);
    onToggle();
  }
  toggle.addEventListener('click', function () {
    setOpen(toggle.getAttribute('aria-expanded') !== 'true');
  });

  function unmark(modeler) {
    var canvas = modeler.get('canvas');
    var elementRegistry = modeler.get('elementRegistry');
    markedIds.forEach(function (id) {
      if (elementRegistry.get(id)) {
        canvas.removeMarker(id, 'has-problem');
      }
    });
    markedIds = [];
    modeler.get('overlays').remove({ type: 'flytverk-problem' });
  }

  function mark(modeler, counts) {
    Object.keys(counts).forEach(function (id) {
      modeler.get('canvas').addMarker(id, 'has-problem');
      markedIds.push(id);
      var label = t('problem_badge', { count: counts[id] });
      var badge = el('span', { class: 'problem-badge', title: label }, [
        el('span', { 'aria-hidden': 'true', text: String(counts[id]) }),
        el('span', { class: 'visually-hidden', text: label }),
      ]);
      modeler.get('overlays').add(id, 'flytverk-problem', { position: { top: -10, right: 10 }, html: badge });
    });
  }

  /** Problems: [{element_id, message, line, file}]. */
  function render(problems, modeler) {
    unmark(modeler);
    clear(list);
    var counts = {};
    problems.forEach(function (problem) {
      var element = findProblemElement(modeler.get('elementRegistry'), problem.element_id);
      if (element && !isRoot(element)) {
        counts[element.id] = (counts[element.id] || 0) + 1;
      }
      list.appendChild(problemItem('modeler', {
        message: problem.message || '',
        where: where(t, problem, element),
        reveal: element ? function () {
          revealElement(modeler, element);
        } : null,
        linkAttrs: element ? { 'data-element-id': element.id } : null,
        link: problem.link || null,
      }));
    });
    mark(modeler, counts);
    count.textContent = '(' + problems.length + ')';
    empty.hidden = problems.length > 0;
    list.hidden = problems.length === 0;
    panel.classList.toggle('modeler-problems--has-problems', problems.length > 0);
    if (problems.length) {
      setOpen(true);
    }
  }

  return { element: panel, render: render };
}
