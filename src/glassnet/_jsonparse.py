"""Parsing JSON read from a file, bounded: how many values, how deep, no repeated keys.

:func:`json.loads` builds whatever a text describes. Millions of tiny values take some 60
bytes each once parsed, twenty times their text, and a text nested a thousand deep makes
Python's recursion give up, in the parser or in the code that walks the result. :func:`loads`
counts the values before it parses (:func:`values_at_most`) and checks the depth after
(:func:`depth_at_most`), neither of which recurses.

>>> loads('{"a": [1, 2]}', max_values=10, max_depth=4)
{'a': [1, 2]}
>>> try:
...     loads("[[[0]]]", max_values=10, max_depth=2)
... except LimitError as exc:
...     print(exc)
nests JSON too deeply: arrays and objects may nest 2 levels deep at most
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["LimitError", "depth_at_most", "loads", "values_at_most"]

_SIMPLE_STRING = re.compile(r'"[^"]*"')  # a JSON string, in a text without backslashes
# The JSON decoder's string scanner: (text, index after the opening quote, strict) -> (the
# string, index after the closing quote). Part of json.decoder since Python 2.6, untyped there.
_scanstring: Callable[[str, int, bool], tuple[str, int]]
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]


class LimitError(ValueError):
    """A JSON text holds more values, or nests deeper, than allowed."""


def loads(text: str, *, max_values: int, max_depth: int, constants: bool = False) -> Any:
    """``json.loads(text)``, refusing more than about ``max_values`` values (counted before
    parsing), nesting deeper than ``max_depth``, repeated keys in an object, and NaN and
    Infinity unless ``constants``.

    Raises:
        LimitError: too many values, or too deep.
        ValueError: not valid JSON (a :class:`json.JSONDecodeError`, or a repeated key).
    """
    if not values_at_most(text, max_values):
        raise LimitError(f"holds more than {max_values:,} JSON values")
    hooks: dict[str, Any] = {"object_pairs_hook": _unique_keys}
    if not constants:
        hooks["parse_constant"] = _refuse_constant
    try:
        value = json.loads(text, **hooks)
    except RecursionError:  # deeper than Python's own limit, which is far beyond any we set
        raise LimitError(_too_deep(max_depth)) from None
    if not depth_at_most(value, max_depth):
        raise LimitError(_too_deep(max_depth))
    return value


def _too_deep(limit: int) -> str:
    return f"nests JSON too deeply: arrays and objects may nest {limit} levels deep at most"


def values_at_most(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` holds at most about ``limit`` values, without parsing it.

    Each value but the first follows a ``,`` or a ``:`` (an object's member counts twice, key and
    value), so counting those outside strings bounds the values. Counting them everywhere is
    quick and usually settles it; only when that count is too high are the strings left out:
    all at once if the text has no backslash, else one by one, with the JSON decoder's own
    string scanner for those with escapes. Time is linear in the text, memory at most a copy.

    >>> values_at_most('["a,b,c,d", 1]', 2), values_at_most("[1, 2, 3, 4]", 2)
    (True, False)
    """
    if text.count(",") + text.count(":") <= limit:
        return True
    if "\\" not in text:  # no escapes: every string ends at the next quote; drop them all
        outside = _SIMPLE_STRING.sub("", text)
        return outside.count(",") + outside.count(":") <= limit
    count, position = 0, 0
    while True:
        quote = text.find('"', position)
        stop = len(text) if quote < 0 else quote
        count += text.count(",", position, stop) + text.count(":", position, stop)
        if count > limit:
            return False
        if quote < 0:
            return True
        close = text.find('"', quote + 1)
        if close >= 0 and text.find("\\", quote + 1, close) < 0:
            position = close + 1  # no escapes in it: the next quote closes it
            continue
        try:
            _, position = _scanstring(text, quote + 1, False)
        except ValueError:  # an unterminated or invalid string: json.loads will say where
            return True


def depth_at_most(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest at most ``limit`` deep in a parsed JSON value; one level
    at a time, iteratively, so that a deep value cannot exhaust the stack here.

    >>> depth_at_most({"a": [1, {}]}, 3), depth_at_most({"a": [1, {}]}, 2)
    (True, False)
    """
    level = [value] if isinstance(value, (dict, list)) else []
    for _ in range(limit):
        inner = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                if type(child) is dict or type(child) is list:
                    inner.append(child)
        if not inner:
            return True
        level = inner
    return False


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):  # some key came twice: find the first
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r} appears twice in one object")
            seen.add(key)
    return obj
