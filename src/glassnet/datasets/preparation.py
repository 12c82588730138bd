"""How a data set was made, so that a model can carry it: the loader, its options, its scaling.

Every loader records in ``Dataset.preparation`` what decided its data:

- which loader made it and every option that matters (seed, test_fraction, n_samples, noise, …,
  with the defaults filled in), so that ``glassnet.datasets.load(prep)`` makes exactly the same
  training and test split again;
- the scaler that turned the raw values into the network's inputs (digits: ink counts 0..16,
  divided by 16; the pixel sets: 0..255, divided by 255; the toy sets: none, used as generated),
  so that :meth:`Preparation.scale` does to new raw data exactly what the loader did.

``glassnet train`` adds what training decided (the validation fraction and its seed, the range
of the scaled training inputs, a digest of the test split) and stores the whole record in the
model file as JSON, under the metadata key ``"data"``; ``glassnet evaluate``, ``explain`` and
``plot`` reuse its split and ``glassnet predict`` its scaling. From Python, with a model file::

    from glassnet.io import load, read_metadata
    net = load("glassnet-digits.safetensors")
    prep = Preparation.from_metadata(read_metadata("glassnet-digits.safetensors"))
    net.predict(prep.scale(raw_digits))   # raw ink counts 0..16, scaled as in training
    test = datasets.load(prep)            # the very test split the model was tested on

Example:
    >>> from glassnet import datasets
    >>> ds = datasets.load("digits", seed=5)
    >>> prep = ds.preparation
    >>> prep.loader, prep.options["seed"], prep.scaler
    ('digits', 5, MinMaxScaler(feature_range=(0.0, 1.0), n_features=64))
    >>> again = datasets.load(Preparation.from_json(prep.to_json()))
    >>> bool((again.X_test == ds.X_test).all())
    True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import as_dtype, as_features
from ..scaling import MinMaxScaler, StandardScaler, scaler_from_dict

__all__ = ["METADATA_KEY", "Preparation"]

#: The model-file metadata key under which ``glassnet train`` stores a :class:`Preparation`.
METADATA_KEY = "data"
_FORMAT = 1  # the version of the JSON layout below; a newer one is refused with a hint


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: NumPy numbers and arrays, tuples, dtypes and paths become
    numbers, lists and strings; a random Generator (which cannot be written) becomes None."""
    if isinstance(value, np.random.Generator):
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, (os.PathLike, Path)):
        return os.fspath(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


@dataclass(frozen=True, eq=False)
class Preparation:
    """How a data set was made: the loader and its options, the scaling, and what training added.

    Attributes:
        loader: the name :func:`glassnet.datasets.load` knows the loader by (``"digits"``,
            ``"fashion-mnist"``, ``"idx"``, ``"moons"``, …).
        options: the loader's keyword arguments as plain JSON values, defaults filled in;
            ``load(loader, **options)`` makes the data again. A seed that was a random Generator
            rather than an integer is recorded as None: that split cannot be made again.
            ``glassnet.datasets.load(prep)`` makes the data again; keyword arguments replace
            recorded options (``path=`` where the files are on this machine, ``seed=``).
        scaler: maps raw values to the network's inputs (``transform``) and back; None when the
            loader used the values as they are.
        image_shape: (height, width) of one image, for image data sets; else None.
        val_fraction: the share of the training split held out for validation while training
            (0: none), and ``val_seed`` the seed of that split (``glassnet train --seed``).
        input_range: the smallest and largest scaled training input: the range the network
            saw. Inputs far outside it are suspect (e.g. raw pixels given as scaled ones).
        test_digest: a fingerprint of the test split (:meth:`digest`), to tell whether the data
            loaded later is the very data the model was tested on.

    Example:
        >>> from glassnet import datasets
        >>> prep = Preparation("moons", {"n_samples": 100, "noise": 0.1, "seed": 3,
        ...                              "test_fraction": 0.2, "dtype": "float32"})
        >>> ds = datasets.load(prep)
        >>> ds.n_train, ds.n_test, ds.preparation == prep
        (80, 20, True)
    """

    loader: str
    options: Mapping[str, Any] = field(default_factory=dict)
    scaler: MinMaxScaler | StandardScaler | None = None
    image_shape: tuple[int, ...] | None = None
    val_fraction: float = 0.0
    val_seed: int | None = None
    input_range: tuple[float, float] | None = None
    test_digest: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", _plain(dict(self.options)))

    def __eq__(self, other: object) -> bool:
        """Equal records: the same loader, options, scaler numbers and training facts."""
        if not isinstance(other, Preparation):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]  # equal records may differ in identity only

    @property
    def seed(self) -> int | None:
        """The seed that chose the data and its split; None for a fixed split (fashion-mnist)."""
        seed = self.options.get("seed")
        return seed if isinstance(seed, int) else None

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype the loader made its inputs in (and scales new raw inputs in)."""
        return as_dtype(self.options.get("dtype", "float32"))

    @property
    def raw_range(self) -> tuple[float, float] | None:
        """(min, max) of the raw values when one MinMax range serves every column (0..16 for the
        digits, 0..255 for the pixel sets); None otherwise (no scaler, or per-column ranges).

        Example:
            >>> from glassnet import datasets
            >>> datasets.load("digits").preparation.raw_range
            (0.0, 16.0)
        """
        scaler = self.scaler
        if not isinstance(scaler, MinMaxScaler) or scaler.data_min_ is None:
            return None
        low, high = scaler.data_min_, scaler.data_max_
        assert high is not None  # set together with data_min_
        if (low != low[0]).any() or (high != high[0]).any():
            return None
        return float(low[0]), float(high[0])

    def scale(self, X: Any, name: str = "X") -> NDArray[np.floating[Any]]:
        """Raw inputs, one sample per row, as the network's inputs: what the loader did to its own.

        The values are first made the loader's dtype (float32 unless it was given another),
        then transformed by :attr:`scaler`, in that order as the loader did, so that raw test
        data gives the loader's scaled test data bit for bit.

        Raises:
            ValueError: X is not numbers of shape (m, n_0), holds NaN or infinity, or a value is
                too large for the dtype; the message calls X ``name``.

        Example:
            >>> import numpy as np
            >>> from glassnet import datasets
            >>> prep = datasets.load("digits").preparation
            >>> raw = datasets.load("digits", scale=False).X_test
            >>> bool((prep.scale(raw) == datasets.load("digits").X_test).all())
            True
        """
        arr = np.asarray(X)
        n = self.scaler.n_features if self.scaler is not None else None
        if n is None:
            n = arr.shape[1] if arr.ndim == 2 else -1
        rows = as_features(arr, n, self.dtype, name)
        return rows if self.scaler is None else self.scaler.transform(rows)

    def describe(self) -> str:
        """The record in one readable line, as ``glassnet info`` prints it.

        Example:
            >>> from glassnet import datasets
            >>> for part in datasets.load("digits", seed=5).preparation.describe().split("; "):
            ...     print(part)
            digits (test_fraction 0.2, seed 5, stratify False, dtype float32)
            raw 0..16 scaled to [0, 1]
            images 8×8
        """
        shown = {k: v for k, v in self.options.items() if v is not None and v is not True}
        options = ", ".join(f"{k} {v}" for k, v in shown.items())
        parts = [f"{self.loader} ({options})" if options else self.loader]
        raw = self.raw_range
        if raw is not None:
            parts.append(f"raw {raw[0]:g}..{raw[1]:g} scaled to [0, 1]")
        elif self.scaler is not None:
            parts.append(f"scaled by {self.scaler!r}")
        if self.image_shape:
            parts.append("images " + "×".join(str(n) for n in self.image_shape))
        if self.val_fraction:
            parts.append(f"{self.val_fraction:g} held out for validation (seed {self.val_seed})")
        if self.input_range is not None:
            low, high = self.input_range
            parts.append(f"training inputs in [{low:.4g}, {high:.4g}]")
        return "; ".join(parts)

    @staticmethod
    def digest(X: Any, y: Any) -> str:
        """A short fingerprint of the samples ``X, y``: equal data, equal digest.

        Example:
            >>> import numpy as np
            >>> x = np.zeros((2, 3), dtype=np.float32)
            >>> Preparation.digest(x, [0, 1]) == Preparation.digest(x.copy(), [0, 1])
            True
        """
        h = hashlib.sha256()
        for part in (np.ascontiguousarray(X), np.ascontiguousarray(y)):
            h.update(f"{part.dtype.str}{part.shape}".encode())
            h.update(part.tobytes())
        return h.hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The record as plain JSON values; :meth:`from_dict` reads it back."""
        return {
            "format": _FORMAT,
            "loader": self.loader,
            "options": dict(self.options),
            "scaler": None if self.scaler is None else self.scaler.to_dict(),
            "image_shape": None if self.image_shape is None else list(self.image_shape),
            "val_fraction": self.val_fraction,
            "val_seed": self.val_seed,
            "input_range": None if self.input_range is None else list(self.input_range),
            "test_digest": self.test_digest,
        }

    def to_json(self) -> str:
        """The record as one line of JSON (what a model file stores)."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def to_metadata(self) -> dict[str, str]:
        """``{"data": <JSON>}``: the entry to add to ``glassnet.io.save``'s ``metadata``."""
        return {METADATA_KEY: self.to_json()}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Preparation:
        """The Preparation that :meth:`to_dict` wrote; a ValueError names what is wrong."""
        if not isinstance(record, Mapping):
            raise ValueError(f"the data record must be a JSON object, got {type(record).__name__}")
        if record.get("format") != _FORMAT:
            raise ValueError(
                f"the data record has format {record.get('format')!r}, which this glassnet does "
                f"not know (it reads format {_FORMAT}); a newer glassnet wrote it: upgrade glassnet"
            )
        loader, options = record.get("loader"), record.get("options")
        if not isinstance(loader, str) or not isinstance(options, Mapping):
            raise ValueError("the data record needs a loader name and a mapping of options")
        scaler = record.get("scaler")
        shape, low_high = record.get("image_shape"), record.get("input_range")
        if shape is not None and not (
            isinstance(shape, list) and all(isinstance(n, int) and n > 0 for n in shape)
        ):
            raise ValueError(f"the data record's image_shape must be whole numbers, got {shape!r}")
        if low_high is not None and not (
            isinstance(low_high, list)
            and len(low_high) == 2
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in low_high)
        ):
            raise ValueError(f"the data record's input_range must be [min, max], got {low_high!r}")
        val_fraction, val_seed = record.get("val_fraction", 0.0), record.get("val_seed")
        if not isinstance(val_fraction, (int, float)) or not 0 <= val_fraction < 1:
            raise ValueError(
                f"the data record's val_fraction must be in [0, 1), got {val_fraction!r}"
            )
        if val_seed is not None and not isinstance(val_seed, int):
            raise ValueError(f"the data record's val_seed must be a whole number, got {val_seed!r}")
        digest = record.get("test_digest")
        return cls(
            loader,
            dict(options),
            scaler=None if scaler is None else scaler_from_dict(scaler),
            image_shape=None if shape is None else tuple(shape),
            val_fraction=float(val_fraction),
            val_seed=val_seed,
            input_range=None if low_high is None else (float(low_high[0]), float(low_high[1])),
            test_digest=digest if isinstance(digest, str) else None,
        )

    @classmethod
    def from_json(cls, text: str) -> Preparation:
        """The Preparation that :meth:`to_json` wrote."""
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"the data record is not valid JSON ({exc})") from None
        return cls.from_dict(record)

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, str]) -> Preparation | None:
        """The record in a model file's metadata (``glassnet.io.read_metadata``), or None for a
        file that has none (saved by an older glassnet, or by ``save`` without it).

        Example:
            >>> Preparation.from_metadata({"dataset": "digits"}) is None
            True
        """
        text = metadata.get(METADATA_KEY)
        return None if text is None else cls.from_json(text)

    def with_training(
        self, X_train: Any, X_test: Any, y_test: Any, val_fraction: float, val_seed: int | None
    ) -> Preparation:
        """This record plus what training on it decided: the validation split, the range of
        the (scaled) training inputs, and the test split's digest."""
        X = np.asarray(X_train)
        return dataclasses.replace(
            self,
            val_fraction=float(val_fraction),
            val_seed=val_seed if val_fraction > 0 else None,
            input_range=(float(X.min()), float(X.max())) if X.size else None,
            test_digest=self.digest(X_test, y_test),
        )
