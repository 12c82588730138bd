"""A griffe extension for the API reference (mkdocs.yml): glassnet's docstrings put their
doctest examples in the prose as often as under an ``Example:`` heading, and Markdown would run
such ``>>>`` lines and their output together as text. This fences every unindented run of them
(from a ``>>>`` line to the next blank line) as a ``pycon`` code block, reads an
``Example:`` heading as griffe's ``Examples:`` section, and turns Sphinx's
``:meth:`x``` / ``:func:`x``` / ``:class:`x``` / ``:mod:`x``` into plain ``x`` code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.M)  # griffe knows "Examples:" only
ROLE = re.compile(r":(?:meth|func|class|mod|attr|data|obj):`~?([^`]+)`")


def fence_doctests(text: str) -> str:
    """The docstring with each unindented ``>>>`` run (until a blank line) in a code fence."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        if not inside and line.startswith(">>>"):
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            text = EXAMPLE_HEADING.sub(r"\1Examples:", obj.docstring.value)
            obj.docstring.value = ROLE.sub(r"`\1`", fence_doctests(text))
