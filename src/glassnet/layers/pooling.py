"""Pooling: :class:`MaxPool2D` and :class:`AvgPool2D`, a kernel that slides over each channel of
an image and keeps one number per window (PyTorch's ``nn.MaxPool2d`` and ``nn.AvgPool2d``).

For images a^(l−1) of shape (m, C, H, W), a kH×kW kernel moved by a stride (sH, sW) over the
image padded by (pH, pW) on each side, output position (y, x) of channel c sees the window of
inputs at rows sH·y + p − pH and columns sW·x + q − pW, for the kernel offsets p < kH, q < kW::

    H_out = ⌊(H + 2 pH − kH) / sH⌋ + 1,   W_out = ⌊(W + 2 pW − kW) / sW⌋ + 1

    max pooling:      z_{c,y,x} = max_{p,q} a_{c, sH y + p − pH, sW x + q − pW}
    average pooling:  z_{c,y,x} = (1 / (kH kW)) Σ_{p,q} a_{c, sH y + p − pH, sW x + q − pW}

Max pooling pads with −∞ (padding never wins); average pooling pads with 0 and counts the
padding in the average (PyTorch's ``count_include_pad=True``). Neither has parameters, and σ is
the identity, so backpropagation is only the chain rule through z, one window at a time::

    max:  ∂z_{c,y,x} / ∂a_{c,u,v} = 1 if a_{c,u,v} is the window's maximum, else 0
          ∂C_i/∂a_{c,u,v} = Σ over the windows whose maximum is a_{c,u,v} of δ_{i,c,y,x}
    avg:  ∂z_{c,y,x} / ∂a_{c,u,v} = 1 / (kH kW) for every input of the window
          ∂C_i/∂a_{c,u,v} = Σ over the windows holding a_{c,u,v} of δ_{i,c,y,x} / (kH kW)

So max pooling passes each δ back to one input, the window's winner; when several inputs tie
for the maximum (common after ReLU, where many are 0) the winner is the first of them in
row-major order within the window, as in PyTorch. A window's winner is found while the maximum
is taken, offset by offset in that order: it is the offset k = p·kW + q where the running
maximum last grew (strictly). The forward pass keeps it for every output
(``cache.saved["argmax"]``), and the backward pass routes δ through it, one kernel offset at a
time. Average pooling spreads δ/(kH·kW) evenly over its window.

Both are vectorised over samples, channels and positions; the only Python loop is over the
kH·kW kernel offsets, each one a strided view of the (padded) image, a[:, :, p::sH, q::sW]
cut to (H_out, W_out). When the windows tile the image (stride = kernel, no padding, H and W
divisible by it) that view is the block view (m, C, H_out, kH, W_out, kW)[:, :, :, p, :, q]:
nothing is padded or copied, and backward need not zero ∂C/∂a^(l−1) first, since it writes
every input exactly once. (NumPy's max or sum over the block view's axes 3 and 5 gives the same
z, but ten to forty times slower than these kH·kW elementwise operations.) Every operation is
elementwise and branch-free: a masked copy (``np.copyto(..., where=)``) on a random mask is
as slow again, so the winner's offset is kept with a maximum instead.

Example:
    >>> import numpy as np, glassnet as gn
    >>> a = np.array([[[[1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, 0.0]]]])  # one 1×2×4 image
    >>> pool = gn.layers.MaxPool2D(2)
    >>> pool.connect((1, 2, 4))
    >>> pool.forward(a)  # windows [[1, 2], [3, 4]] and [[0, 0], [0, 0]]
    array([[[[4., 0.]]]])
    >>> avg = gn.layers.AvgPool2D(2)
    >>> avg.connect((1, 2, 4))
    >>> avg.forward(a)
    array([[[[2.5, 0. ]]]])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._inputs import is_whole
from . import Array, Cache, Layer, Path

__all__ = ["AvgPool2D", "MaxPool2D"]

Pair = tuple[int, int]


def _pair(value: object, what: str, low: int) -> Pair:
    """``value`` as (rows, columns): an int ≥ ``low`` for both, or a pair of them."""
    both = (value, value) if is_whole(value) else value
    if (
        isinstance(both, (tuple, list))
        and len(both) == 2
        and all(is_whole(v) and v >= low for v in both)
    ):
        return int(both[0]), int(both[1])
    kind = "a positive integer" if low == 1 else "an integer ≥ 0"
    raise ValueError(
        f"{what} must be {kind} or a pair of them, (rows, columns) such as (2, 3); got {value!r}"
    )


def _plain(pair: Pair) -> int | list[int]:
    """A pair as a config stores it: one int when both are equal, else a list."""
    return pair[0] if pair[0] == pair[1] else list(pair)


def _buffer(
    cache: Cache, name: str, shape: tuple[int, ...], dtype: Any, fill: float | None = None
) -> NDArray[Any]:
    """``cache.saved[name]``, made once per cache (filled with ``fill``, if given)."""
    buf = cache.saved.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
        cache.saved[name] = buf
    return buf


class _Pool2D(Layer):
    """What both poolings share: the arguments, the shapes, the windows, files and printing."""

    #: the value the image is padded with
    fill: float = 0.0
    #: set by :meth:`connect`: whether the windows tile the image, and whether they overlap
    tiles: bool = False
    overlap: bool = False

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
        padding: int | tuple[int, int] = 0,
    ) -> None:
        name = type(self).__name__
        self.kernel_size = _pair(kernel_size, f"{name} kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, f"{name} stride", 1)
        self.padding = _pair(padding, f"{name} padding", 0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(
                f"{name} padding must be at most half the kernel size (padding ≤ kernel_size "
                f"// 2, as in PyTorch), got padding {self.padding} for a kernel of "
                f"{self.kernel_size}; pad less or use a larger kernel"
            )

    # -- shapes ------------------------------------------------------------------------------

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take images of shape (C, H, W); the output is (C, H_out, W_out)."""
        if len(input_shape) != 3 or not all(is_whole(n) and n >= 1 for n in input_shape):
            hint = (
                "; put gn.Reshape((C, H, W)) before it to make flat rows images"
                if len(input_shape) == 1
                else ""
            )
            raise ValueError(f"takes images of shape (C, H, W), not {input_shape}{hint}")
        C, H, W = (int(n) for n in input_shape)
        (kH, kW), (sH, sW), (pH, pW) = self.kernel_size, self.stride, self.padding
        if H + 2 * pH < kH or W + 2 * pW < kW:
            raise ValueError(
                f"its {kH}×{kW} kernel is larger than the {H}×{W} image padded by "
                f"{self.padding}; use a smaller kernel or pool earlier"
            )
        self.input_shape = (C, H, W)
        self.output_shape = (C, (H + 2 * pH - kH) // sH + 1, (W + 2 * pW - kW) // sW + 1)
        # the windows tile the image exactly: every input is in one window
        self.tiles = (
            self.stride == self.kernel_size and (pH, pW) == (0, 0) and H % kH == 0 and W % kW == 0
        )
        # the windows overlap: backward adds into the inputs they share (else it may assign)
        self.overlap = sH < kH or sW < kW

    def _windows(self, x: NDArray[Any]) -> Iterator[tuple[int, NDArray[Any]]]:
        """(k, view) for each kernel offset (p, q) in row-major order, k = p·kW + q: the view
        of the (padded) images ``x`` holding, at output position (y, x), the input at offset
        (p, q) of that position's window, x[:, :, sH·y + p, sW·x + q]."""
        (kH, kW), (sH, sW) = self.kernel_size, self.stride
        _, H_out, W_out = self.output_shape
        for p in range(kH):
            for q in range(kW):
                yield (
                    p * kW + q,
                    x[:, :, p : p + sH * (H_out - 1) + 1 : sH, q : q + sW * (W_out - 1) + 1 : sW],
                )

    def _padded(self, a_prev: Array, cache: Cache | None) -> Array:
        """a^(l−1) padded by (pH, pW) with :attr:`fill` (a^(l−1) itself without padding); in
        the cache's buffer when given one (its border is written once)."""
        pH, pW = self.padding
        if (pH, pW) == (0, 0):
            return a_prev
        m, C, H, W = a_prev.shape
        shape = (m, C, H + 2 * pH, W + 2 * pW)
        if cache is None:
            x = np.full(shape, self.fill, a_prev.dtype)
        else:
            x = _buffer(cache, "padded", shape, a_prev.dtype, self.fill)
        x[:, :, pH : pH + H, pW : pW + W] = a_prev
        return x

    def _input_gradient(self, cache: Cache) -> Array:
        """Where backward writes ∂C_i/∂a^(l−1): ``cache.dC_da_prev`` itself, or a padded
        buffer around it; zeroed unless the windows tile the image (then every input is
        written exactly once)."""
        pH, pW = self.padding
        out = cache.dC_da_prev
        if (pH, pW) != (0, 0):
            m, C, H, W = out.shape
            out = _buffer(cache, "padded_grad", (m, C, H + 2 * pH, W + 2 * pW), out.dtype)
        if not self.tiles:
            out.fill(0.0)
        return out

    def _unpad(self, grad: Array, cache: Cache) -> Array:
        """∂C_i/∂a^(l−1) from the gradient with respect to the padded image: its interior
        (the padding is not an input)."""
        pH, pW = self.padding
        if (pH, pW) == (0, 0):
            return grad
        _, _, H, W = cache.dC_da_prev.shape
        np.copyto(cache.dC_da_prev, grad[:, :, pH : pH + H, pW : pW + W])
        return cache.dC_da_prev

    # -- no parameters -------------------------------------------------------------------------

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """Refused: a pooling layer has no parameters."""
        raise ValueError(
            f"{type(self).__name__} has no parameters (it only picks or averages its inputs), "
            f"so there is no {name}[{index}] to explain; explain a parameter of another layer"
        )

    # -- files and printing --------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """kernel_size, stride and padding, each one int when rows and columns agree (the
        shapes come from :meth:`connect`)."""
        return {
            "kernel_size": _plain(self.kernel_size),
            "stride": _plain(self.stride),
            "padding": _plain(self.padding),
        }

    def __repr__(self) -> str:
        text = f"{type(self).__name__}({_plain(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={_plain(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={_plain(self.padding)}"
        return text + ")"


class MaxPool2D(_Pool2D):
    """Max pooling: each output is the largest input of its kH×kW window, per channel.

    z_{c,y,x} = max_{p,q} a^(l−1)_{c, sH·y + p − pH, sW·x + q − pW}; backward passes each δ to
    its window's winner (the first in row-major order when several tie, as PyTorch does).

    Args:
        kernel_size: (kH, kW), or one int for a square kernel.
        stride: (sH, sW) or one int; ``None`` (default) means the kernel size: windows side by
            side, not overlapping.
        padding: (pH, pW) or one int, rows and columns of −∞ added on each side; at most half
            the kernel (PyTorch's rule), so that every window holds an input.

    Shape:
        input (m, C, H, W) → output (m, C, H_out, W_out), H_out = ⌊(H + 2pH − kH)/sH⌋ + 1 and
        likewise W_out; no parameters.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> pool = gn.layers.MaxPool2D(2)
        >>> pool.connect((1, 5, 7))  # the network does this; floor: the last row and column drop
        >>> pool, pool.output_shape
        (MaxPool2D(2), (1, 2, 3))
        >>> gn.layers.MaxPool2D((3, 2), stride=1, padding=(1, 0))
        MaxPool2D([3, 2], stride=1, padding=[1, 0])
    """

    formula = "max of a^(l−1) over each window"

    fill = -np.inf

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        windows = self._windows(self._padded(a_prev, cache))
        z = np.empty((len(a_prev), *self.output_shape), a_prev.dtype) if cache is None else cache.z
        first = next(windows)[1]  # the input at offset (0, 0) of each window
        if cache is None:
            np.copyto(z, first)  # z = that input …
            for _, view in windows:  # … then z = max(z, the input at offset (p, q))
                np.maximum(z, view, out=z)
            return z
        # and the winner's offset: the last k = p·kW + q where the running maximum grew
        # strictly, so that of several equal maxima the first in row-major order wins
        n = self.kernel_size[0] * self.kernel_size[1]
        argmax = _buffer(cache, "argmax", z.shape, np.uint8 if n <= 256 else np.intp)
        grew_at = _buffer(cache, "grew_at", z.shape, argmax.dtype)
        argmax.fill(0)
        grew = cache.where  # scratch: σ is the identity, which needs none
        # the running maximum alternates between z and the scratch cache.tmp, so that each
        # offset's (strided) inputs are read once and the comparison reads whole arrays; it
        # starts where it will end in z, as the input at offset (0, 0)
        now, new = (z, cache.tmp) if n % 2 else (cache.tmp, z)
        np.copyto(now, first)
        for k, view in windows:
            np.maximum(now, view, out=new)  # the maximum so far, with offset k …
            np.greater(new, now, out=grew)  # … and where it grew strictly
            # argmax = k where it grew, else unchanged: k is larger than every offset before
            np.maximum(argmax, np.multiply(grew, argmax.dtype.type(k), out=grew_at), out=argmax)
            now, new = new, now
        return z

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        if not need_dC_da_prev:  # no parameters, so nothing else to compute
            return None
        # ∂C_i/∂a_{c,u,v} = Σ_{windows won by a_{c,u,v}} δ_{i,c,y,x}: for each kernel offset,
        # δ goes to the input at that offset of the windows it won, 0 to the others
        grad = self._input_gradient(cache)
        won, routed = cache.where, cache.tmp  # scratch, as in the forward pass
        argmax = cache.saved["argmax"]
        for k, view in self._windows(grad):
            np.equal(argmax, k, out=won)
            if self.overlap:  # an input may win several windows: add up their δ
                np.multiply(delta, won, out=routed)
                view += routed
            else:
                np.multiply(delta, won, out=view)
        return self._unpad(grad, cache)


class AvgPool2D(_Pool2D):
    """Average pooling: each output is the mean of its kH×kW window, per channel.

    z_{c,y,x} = (1/(kH kW)) Σ_{p,q} a^(l−1)_{c, sH·y + p − pH, sW·x + q − pW}, the padding's
    zeros counted in the mean (PyTorch's ``count_include_pad=True``); backward spreads
    δ/(kH·kW) over the window.

    Args:
        kernel_size, stride, padding: as for :class:`MaxPool2D` (but the padding is 0).

    Shape:
        input (m, C, H, W) → output (m, C, H_out, W_out), as for :class:`MaxPool2D`.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> avg = gn.layers.AvgPool2D(3, stride=1, padding=1)
        >>> avg.connect((1, 2, 2))
        >>> avg.forward(np.ones((1, 1, 2, 2)))  # each window holds 4 ones and 5 padded zeros
        array([[[[0.44444444, 0.44444444],
                 [0.44444444, 0.44444444]]]])
    """

    formula = "mean of a^(l−1) over each window"

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        (kH, kW) = self.kernel_size
        z = np.empty((len(a_prev), *self.output_shape), a_prev.dtype) if cache is None else cache.z
        windows = self._windows(self._padded(a_prev, cache))
        np.copyto(z, next(windows)[1])
        for _, view in windows:  # z = Σ_{p,q} the input at offset (p, q) of each window
            z += view
        z *= a_prev.dtype.type(1.0 / (kH * kW))  # z = (1/(kH kW)) Σ
        return z

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        if not need_dC_da_prev:  # no parameters, so nothing else to compute
            return None
        (kH, kW) = self.kernel_size
        # ∂C_i/∂a_{c,u,v} = Σ_{windows holding a_{c,u,v}} δ_{i,c,y,x} / (kH kW)
        spread = np.multiply(delta, delta.dtype.type(1.0 / (kH * kW)), out=cache.tmp)
        grad = self._input_gradient(cache)
        for _, view in self._windows(grad):  # each input of a window gets its δ/(kH kW)
            if self.overlap:  # an input in several windows: add up their shares
                view += spread
            else:
                np.copyto(view, spread)
        return self._unpad(grad, cache)
