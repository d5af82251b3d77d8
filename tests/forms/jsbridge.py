"""Run static/src/forms/*.js under node: one long-lived process answering JSON lines."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import lxml.html

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "src" / "forms"

# A minimal DOM for live.js: children, attributes and the control properties it reads.
PROGRAM = """
import readline from 'node:readline';
import { evaluate } from '%(conditions)s';
import { typedValue } from '%(values)s';
import { collect, computeVisibility, hiddenNames } from '%(live)s';

function build(json) {
  const own = (name) => Object.prototype.hasOwnProperty.call(json.attrs, name);
  const tag = json.tag.toUpperCase();
  const element = {
    tagName: tag,
    hidden: own('hidden'),
    children: json.children.map(build),
    getAttribute: (name) => (own(name) ? json.attrs[name] : null),
    hasAttribute: own,
    get type() {
      if (tag === 'SELECT') return 'select-one';
      if (tag === 'TEXTAREA') return 'textarea';
      return own('type') ? json.attrs.type : 'text';
    },
    get name() { return own('name') ? json.attrs.name : ''; },
    get checked() { return own('checked'); },
    get value() {
      if (tag === 'TEXTAREA') return json.text;
      if (tag === 'SELECT') {
        const options = json.options;
        const chosen = options.find((o) => o.selected) || options[0];
        return chosen ? chosen.value : '';
      }
      return own('value') ? json.attrs.value : '';
    },
  };
  return element;
}

const handlers = {
  evaluate: (request) => request.cases.map(([expression, data]) => {
    try {
      return { value: evaluate(expression, data) };
    } catch (error) {
      if (error.name !== 'ConditionError') throw error;
      return { error: error.message };
    }
  }),
  typed: (request) => request.cases.map(([component, format, values]) => (
    { value: typedValue(component, format, values) }
  )),
  visibility: (request) => {
    const entries = computeVisibility(collect(build(request.tree)));
    return {
      wrappers: entries
        .filter((entry) => !entry.node.carry)
        .map((entry) => [entry.node.component, entry.node.name, entry.hidden]),
      hidden: hiddenNames(entries).split(' ').filter(Boolean).sort(),
    };
  },
};

const lines = readline.createInterface({ input: process.stdin, terminal: false });
lines.on('line', (line) => {
  const request = JSON.parse(line);
  let answer;
  try {
    answer = { ok: handlers[request.op](request) };
  } catch (error) {
    answer = { crash: String(error && error.stack ? error.stack : error) };
  }
  process.stdout.write(JSON.stringify(answer) + '\\n');
});
"""


def node_available() -> bool:
    """True when a node binary is on PATH."""
    return shutil.which("node") is not None


class Node:
    """A node process with the forms JS modules loaded."""

    def __init__(self) -> None:
        source = PROGRAM % {
            name: (JS / f"{name}.js").as_uri() for name in ("conditions", "values", "live")
        }
        self.process = subprocess.Popen(
            [
                "node",
                "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON",
                "--input-type=module",
                "-e",
                source,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def call(self, op: str, **request: Any) -> Any:
        """Send one request; return the answer (AssertionError if the JS crashed)."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "node exited"
        answer = json.loads(line)
        assert "crash" not in answer, answer.get("crash")
        return answer["ok"]

    def close(self) -> None:
        """Stop the process."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def dom_json(element: Any) -> dict[str, Any]:
    """An lxml element as the JSON the node DOM stub builds from (as a browser sees it)."""
    attrs = {str(k): str(v) for k, v in element.attrib.items()}
    tag = str(element.tag).lower()
    node: dict[str, Any] = {
        "tag": tag,
        "attrs": attrs,
        "children": [dom_json(c) for c in element if isinstance(c.tag, str)],
    }
    if tag == "textarea":
        text = (element.text or "").replace("\r\n", "\n").replace("\r", "\n")
        node["text"] = text[1:] if text.startswith("\n") else text
    if tag == "select":
        node["options"] = [
            {
                "value": o.get("value", o.text or ""),
                "selected": o.get("selected") is not None,
            }
            for o in element.iter("option")
        ]
    return node


def server_visibility(html: str) -> tuple[Any, dict[str, Any]]:
    """The rendered form's tree, its wrappers as [component, name, hidden] and the
    names in its ``_hidden`` input, as the node ``visibility`` call answers."""
    tree = lxml.html.fromstring(f"<div>{html}</div>")
    names = tree.xpath(".//input[@data-forms-hidden]/@value")[0].split()
    wrappers = [
        [el.get("data-component"), el.get("data-name"), el.get("hidden") is not None]
        for el in tree.iter()
        if isinstance(el.tag, str)
        and el.get("data-component")
        and el.get("data-carry") is None
        and not el.xpath("ancestor::template")
    ]
    return tree, {"wrappers": wrappers, "hidden": sorted(names)}
