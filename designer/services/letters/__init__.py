"""Decision letters (vedtaksbrev): their content, HTML and PDF/UA, and their delivery.

- `terms`: the appeal terms and the service's own letter paragraphs, per language.
- `content`: what a letter says (forvaltningsloven §§ 24–25, 27), from a case or a sample.
- `render`: the letter's HTML (designer/templates/letters/) and its tagged PDF (WeasyPrint).
- `delivery`: the worker step that renders pending letters and sends them, once each.
- `listener`: the transition listener that records a case's decision with its letter.

The letter row is `designer.models.DecisionLetter`; `designer.services.decisions` writes it.
"""
