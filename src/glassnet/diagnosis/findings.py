"""Findings: what a diagnosis found, as data — a kind, a severity, its numbers, and its words.

:mod:`glassnet.diagnosis` (a training run) and :mod:`glassnet.diagnosis.network` (a network on
some data) compute findings; :func:`finding` writes a finding's sentences from the templates of
:data:`glassnet.render.diagnoses.TEMPLATES`, and :class:`Report` is what their reports share.

>>> from glassnet.diagnosis.findings import finding
>>> f = finding("converging:too_short", {"loss": [0.5]}, epochs=1)
>>> f.kind, f.severity, f.message
('converging', 'ok', 'Too short to judge: fewer than two epochs of costs.')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..render import diagnoses as render

__all__ = ["SEVERITIES", "Finding", "Report", "finding"]

#: Finding severities, mildest first: ``ok`` is good news, ``warning`` deserves a look,
#: ``problem`` means the run or the network is not learning as it should.
SEVERITIES = ("ok", "warning", "problem")


# -- findings and reports ----------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One observation about a run or a network.

    Attributes:
        kind: a short id for code, e.g. ``"diverged"`` or ``"dead_relu"``.
        severity: ``"ok"``, ``"warning"`` or ``"problem"``.
        message: what was found, in a sentence.
        evidence: the numbers behind it (epochs, costs, norms), in words.
        fix: what to try next (empty for good news that needs nothing).
        numbers: the same evidence as plain numbers, for code.

    The diagnoses write ``message``, ``evidence`` and ``fix`` from the finding's numbers with
    the templates of :data:`glassnet.render.diagnoses.TEMPLATES`.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> X = np.linspace(-1, 1, 20)[:, None]; y = 3 * X[:, 0]
        >>> net = gn.Network.from_sizes([1, 1], activation="identity", cost="mse", seed=0)
        >>> h = net.fit(X, y, epochs=20, batch_size=20, optimizer=gn.SGD(lr=0.5), verbose=0)
        >>> f = gn.diagnose_training(h)["converging"]
        >>> f.kind, f.severity, round(f.numbers["per_epoch"], 2)  # the cost fell 60% per epoch
        ('converging', 'ok', 0.6)
        >>> f.message
        'Training is converging: the cost falls steadily, and it is still falling.'
        >>> f.fix
        'train for more epochs; the cost has not levelled off yet.'
    """

    kind: str
    severity: str
    message: str
    evidence: str
    fix: str = ""
    numbers: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(
                f"severity must be one of {', '.join(SEVERITIES)}, got {self.severity!r}"
            )

    def __str__(self) -> str:
        return render.finding_text(self)


def finding(key: str, numbers: dict[str, Any], **context: Any) -> Finding:
    """The finding ``key`` (a kind, or ``"kind:variant"``) with its ``numbers``; its sentences are
    its template's, filled from the numbers and the ``context`` (values for the text only)."""
    message, evidence, fix = render.texts(key, {**numbers, **context})
    kind = key.partition(":")[0]
    return Finding(kind, render.TEMPLATES[key].severity, message, evidence, fix, numbers)


class Report:
    """What both reports share: a title, findings, ``ok`` and ``kinds``."""

    title = "diagnosis"

    def __init__(self, findings: Sequence[Finding]) -> None:
        order = {s: i for i, s in enumerate(SEVERITIES)}
        # the most serious first; the order among equals is the order they were found
        self.findings: list[Finding] = sorted(findings, key=lambda f: -order[f.severity])

    @property
    def ok(self) -> bool:
        """True when every finding is good news (severity ``"ok"``)."""
        return all(f.severity == "ok" for f in self.findings)

    @property
    def kinds(self) -> list[str]:
        """The ``kind`` of each finding, most serious first."""
        return [f.kind for f in self.findings]

    def __getitem__(self, kind: str) -> Finding:
        """The finding of this kind (KeyError if there is none)."""
        for f in self.findings:
            if f.kind == kind:
                return f
        raise KeyError(f"no {kind!r} finding; the findings are {self.kinds}")

    def __contains__(self, kind: object) -> bool:
        return kind in self.kinds

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ok={self.ok}, kinds={self.kinds})"


def check_thresholds(thresholds: Any) -> None:
    """Every field of a thresholds dataclass must be a positive number (ValueError naming it).

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Limits:
    ...     ratio: float = -1.0
    ...     def __post_init__(self) -> None:
    ...         check_thresholds(self)
    >>> Limits()
    Traceback (most recent call last):
    ValueError: Limits.ratio must be a positive number, got -1.0
    """
    for name, value in vars(thresholds).items():
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(
                f"{type(thresholds).__name__}.{name} must be a positive number, got {value!r}"
            )
