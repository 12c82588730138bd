"""Convolution: :class:`Conv2D`, a Dense layer whose weights are shared across an image.

A filter o of layer l is a small block of weights w^(l)_{o,i,p,q} (input channel i, kernel row
p, kernel column q) slid over the image a^(l−1); at each output position (y, x) it gives one
weighted sum, the tutorial's z = Σ w a + b with the inputs the filter covers there::

    z^(l)_{o,y,x} = Σ_{i,p,q} w^(l)_{o,i,p,q} · a^(l−1)_{i, y·s+p, x·s+q} + b^(l)_o

(s: the stride; the image is first padded with zeros). So a convolution is a Dense layer in
which output neuron (o, y, x) is fed by only the kH×kW patch under it, and every position of
one filter uses the *same* weights. Lay every patch of the mini-batch out as a row of ``cols``
(im2col: one row per sample n and output position (y, x)) and z = cols Wᵀ + b is one matrix
product for the whole mini-batch: Dense's z = a Wᵀ + b with the patches as the rows a (and a
last column of ones in cols, so that b is one more column of W: the weight of an input that
is always 1).

Backpropagation is Dense's three products with that sharing summed over (δ = ∂C_n/∂z, one
entry per sample n, output channel and position; r_n each sample's share of C)::

    ∂C/∂w_{o,i,p,q} = Σ_n r_n Σ_{y,x} δ_{n,o,y,x} · a^(l−1)_{n,i,y·s+p,x·s+q}
        the weight met one input pixel at every position where the kernel was applied,
        so its gradient sums over all of them: (r δ)ᵀ cols, one matrix product
    ∂C/∂b_o = Σ_n r_n Σ_{y,x} δ_{n,o,y,x}
        a bias enters every position of its channel with factor 1 (the same product,
        against the column of ones)
    ∂C_n/∂a^(l−1)_{i,u,v} = Σ_{o,p,q : u = y·s+p, v = x·s+q} δ_{n,o,y,x} · w_{o,i,p,q}
        each input pixel collects δ from every output whose patch covered it: the
        "transposed convolution" of δ with W: for each kernel offset (p, q), δ W_{:,:,p,q}
        (one product) added back onto the image where the patches were taken (col2im)

Shapes follow PyTorch's ``torch.nn.Conv2d``: images (m, C, H, W), W (out, in, kH, kW), b
(out,), H_out = (H + 2·padding − kH) // stride + 1 (and the same for widths).

Example:
    >>> import numpy as np
    >>> conv = Conv2D(1, 2, kernel_size=2)
    >>> conv.connect((1, 3, 3))  # one sample's (C, H, W); a network does this in order
    >>> conv.build(np.random.default_rng(0), "float64")
    >>> conv.output_shape, conv.W.shape
    ((2, 2, 2), (2, 1, 2, 2))
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> z = conv.weighted_input(x)
    >>> bool(np.isclose(z[0, 1, 0, 1], np.sum(conv.W[1, 0] * x[0, 0, 0:2, 1:3]) + conv.b[1]))
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import DTypeLike

from .. import activations
from .. import init as initializers
from .._inputs import dropout_rate, is_whole, positive_int
from ..activations import Activation
from . import Array, Cache, Layer, Path

__all__ = ["Conv2D"]


def _pair(value: object, what: str, low: int) -> tuple[int, int]:
    """An int or a pair of ints, each ≥ ``low``, as (height, width); else a ValueError."""
    pair = (value, value) if is_whole(value) else value
    if (
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(is_whole(n) and n >= low for n in pair)
    ):
        return int(pair[0]), int(pair[1])
    raise ValueError(
        f"Conv2D {what} must be an integer >= {low} or a pair (height, width) of them, "
        f"such as {max(low, 1)} or ({max(low, 1)}, {max(low, 2)}); got {value!r}"
    )


def _reused(saved: dict[str, Any], name: str, shape: tuple[int, ...], dtype: Any) -> Any:
    """``saved[name]``, made (zeroed) the first time: an array reused from step to step."""
    buf = saved.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = saved[name] = np.zeros(shape, dtype=dtype)
    return buf


def _shown(pair: tuple[int, int]) -> int | tuple[int, int]:
    """3 for (3, 3), as PyTorch's repr shows a square kernel; the pair otherwise."""
    return pair[0] if pair[0] == pair[1] else pair


class Conv2D(Layer):
    """A 2-D convolution: ``out_channels`` filters of ``in_channels × kH × kW`` weights each.

    z^(l)_{o,y,x} = Σ_{i,p,q} w_{o,i,p,q} a^(l−1)_{i,y·s+p,x·s+q} + b_o, a^(l) = σ(z^(l)) (see
    the module's docstring for the chain rule through it).

    Args:
        in_channels: C, the channels of the input images (1 for grey, 3 for colour).
        out_channels: the number of filters, the channels of the output.
        kernel_size: kH × kW, an int for a square kernel or a pair (kH, kW).
        stride: s, how far the kernel moves between positions (an int or a pair).
        padding: the rows and columns of zeros added on each side (an int or a pair).
        activation: σ, by name or an :class:`~glassnet.activations.Activation`.
        init: how W is drawn (see :class:`~glassnet.layers.Dense`): as an
            (out_channels, in_channels·kH·kW) matrix, so fan-in is in_channels·kH·kW, then
            reshaped; ``None`` for the activation's default. Biases start at 0.
        dropout: p, the probability that each output (channel, position) is switched off.

    Shape:
        W: (out_channels, in_channels, kH, kW), b: (out_channels,); input (m, C, H, W) →
        output (m, out_channels, H_out, W_out), H_out = (H + 2·padding − kH) // stride + 1.

    Example:
        >>> Conv2D(1, 16, kernel_size=3)
        Conv2D(1, 16, kernel_size=3, stride=1, padding=0, activation=relu)
        >>> conv = Conv2D(3, 8, (3, 2), stride=2, padding=1)
        >>> conv.connect((3, 7, 5))
        >>> conv.output_shape
        (8, 4, 3)
    """

    parameter_names = ("W", "b")
    formula = "W^(l) ∗ a^(l−1) + b^(l)"  # ∗: the kernel slid over the image
    penalised = ("W",)
    _by_column = False  # set by connect

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        activation: str | Activation = "relu",
        init: str | initializers.Initializer | None = None,
        dropout: float = 0.0,
    ) -> None:
        self.in_channels = positive_int(in_channels, "Conv2D in_channels")
        self.out_channels = positive_int(out_channels, "Conv2D out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        self.activation = activations.get(activation)
        if not self.activation.elementwise:
            raise ValueError(
                f"Conv2D takes an elementwise activation such as 'relu', got "
                f"{self.activation!r}, which mixes neurons; put it on a Dense layer after "
                "gn.Flatten()"
            )
        self.init = init if init is not None else initializers.default_for(self.activation)
        initializers.get(self.init)  # fail now, not when the network is built
        self.dropout = dropout_rate(dropout)
        self.W: Array = np.zeros((0, 0, 0, 0))
        self.b: Array = np.zeros(0)

    # -- shapes -------------------------------------------------------------------------------

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take images of one sample's shape (C, H, W) and work out (out, H_out, W_out)."""
        if len(input_shape) != 3 or not all(is_whole(n) and n >= 1 for n in input_shape):
            raise ValueError(
                "takes images of shape (channels, height, width); put "
                "gn.Reshape((C, H, W)) before it to turn flat rows into images"
            )
        C, H, W = (int(n) for n in input_shape)
        if self.in_channels != C:
            plural = "s" if self.in_channels != 1 else ""
            raise ValueError(
                f"takes {self.in_channels} input channel{plural} (in_channels="
                f"{self.in_channels}); make in_channels={C} to match the images' {C}"
            )
        (kH, kW), (sH, sW), (pH, pW) = self.kernel_size, self.stride, self.padding
        if H + 2 * pH < kH or W + 2 * pW < kW:
            raise ValueError(
                f"its {kH}×{kW} kernel does not fit in the {H + 2 * pH}×{W + 2 * pW} image "
                f"(with padding={_shown(self.padding)}); use a smaller kernel_size or more "
                "padding"
            )
        self.input_shape = (C, H, W)
        # few channels: the columns are stored a column after another (see _columns)
        self._by_column = C * kW < 8
        self.output_shape = (
            self.out_channels,
            (H + 2 * pH - kH) // sH + 1,
            (W + 2 * pW - kW) // sW + 1,
        )

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """W: (out_channels, in_channels, kH, kW), b: (out_channels,)."""
        return {
            "W": (self.out_channels, self.in_channels, *self.kernel_size),
            "b": (self.out_channels,),
        }

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """Draw W as an (out, in·kH·kW) matrix with this layer's init scheme; b = 0."""
        shape = self.parameter_shapes()["W"]
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        W = initializers.get(self.init)(self.out_channels, fan_in, rng, dtype)
        if W.shape != (self.out_channels, fan_in):
            raise ValueError(
                f"init returned W of shape {W.shape}, expected (out_channels, in_channels·kH·kW)"
                f" = ({self.out_channels}, {fan_in})"
            )
        self.W = np.array(W, dtype=dtype).reshape(shape)
        self.b = np.zeros(self.out_channels, dtype=dtype)

    # -- forward and backward -----------------------------------------------------------------

    def _columns(self, a_prev: Array, saved: dict[str, Any]) -> Array:
        """im2col: every patch the kernel covers as a row, one row per output position.

        cols[(n, y, x), (p, q, i)] = a^(l−1)_{n, i, y·s+p, x·s+q} of the zero-padded image,
        shape (m·H_out·W_out, kH·kW·in + 1): sample n's patch at output position (y, x) is one
        row, so that the whole mini-batch's z is ONE matrix product (a stack of m small
        products, one per sample, runs single-threaded and three to four times slower; but
        for an image of few channels, stored column by column, the product does so little
        arithmetic per number read that the stack wins: no transposing copy after it). Inside
        a patch the channel i varies fastest (the image is first copied channels-last), so
        that the copy moves runs of kW·in numbers rather than single ones. The last column is
        all ones, so that [W b] colsᵀ = W patchesᵀ + b: the bias is the weight of an input that
        is always 1 (written once, when the array is made; adding b to z instead would cost
        a pass over z as long as the rest of the copy out of the product).
        """
        m, (C, H, W), dtype = len(a_prev), self.input_shape, a_prev.dtype
        (kH, kW), (sH, sW), (pH, pW) = self.kernel_size, self.stride, self.padding
        _, Ho, Wo = self.output_shape
        # x[n, u, v, i]: the image channels-last, zeros around it (the border is only ever
        # written once, when the buffer is made)
        x = _reused(saved, "padded", (m, H + 2 * pH, W + 2 * pW, C), dtype)
        np.copyto(x[:, pH : pH + H, pW : pW + W], a_prev.transpose(0, 2, 3, 1))
        K, rows = kH * kW * C, m * Ho * Wo
        # few channels: cols is stored a column after another (one run of m·H_out·W_out per
        # (p, q, i)), so that the copy of each kernel offset below writes whole runs
        by_column = self._by_column
        shape = (K + 1, rows) if by_column else (rows, K + 1)
        store = saved.get("columns")
        if store is None or store.shape != shape or store.dtype != dtype:
            store = saved["columns"] = np.empty(shape, dtype=dtype)
            (store[K] if by_column else store[:, K])[...] = 1.0  # the input that is always 1
        if by_column:  # patches[p, q, i, n, y, x], one kernel offset (p, q) at a time
            patches = store[:K].reshape(kH, kW, C, m, Ho, Wo)
            for p, q, ys, xs in self._offsets():
                np.copyto(patches[p, q], x[:, ys, xs].transpose(3, 0, 1, 2))
            return store.T  # the same matrix, (m·H_out·W_out, kH·kW·in + 1)
        # patches[n, y, x, p, q, i]: a view of cols (copy=False: never a copy), and
        # windows[n, y, x, i, p, q] = x[n, y·s + p, x·s + q, i], a view too: one copy
        patches = np.reshape(store.reshape(m, Ho, Wo, K + 1)[..., :K], (m, Ho, Wo, kH, kW, C),
                             copy=False)  # fmt: skip
        windows = sliding_window_view(x, (kH, kW), axis=(1, 2))[:, ::sH, ::sW]
        np.copyto(patches, windows.transpose(0, 1, 2, 4, 5, 3))
        return store

    def _offsets(self) -> list[tuple[int, int, slice, slice]]:
        """(p, q, rows, columns) for every kernel offset: the image rows y·s + p and columns
        x·s + q that offset (p, q) meets at the output positions (y, x)."""
        (kH, kW), (sH, sW) = self.kernel_size, self.stride
        _, Ho, Wo = self.output_shape
        return [
            (p, q, slice(p, p + sH * (Ho - 1) + 1, sH), slice(q, q + sW * (Wo - 1) + 1, sW))
            for p in range(kH)
            for q in range(kW)
        ]

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        m, (out, Ho, Wo) = len(a_prev), self.output_shape
        saved: dict[str, Any] = {} if cache is None else cache.saved
        cols = saved["cols"] = self._columns(a_prev, saved)
        # [W b]: row o is filter o in the columns' order (p, q, i), then its bias
        Wb = _reused(saved, "W_b", (out, cols.shape[1]), cols.dtype)
        np.copyto(Wb[:, :-1].reshape(out, *self.kernel_size, -1), self.W.transpose(0, 2, 3, 1))
        Wb[:, -1] = self.b
        z = np.empty((m, out, Ho, Wo), dtype=a_prev.dtype) if cache is None else cache.z
        if self._by_column:
            # few channels (a product as thin as [W b] is then limited by memory, not by
            # arithmetic): z_n = [W b] colsᵀ_n, one product per sample written straight into
            # z, rather than one product and a transposing copy as large as z
            np.matmul(Wb, self._per_sample(cols), out=z.reshape(m, out, Ho * Wo))
            return z
        # zᵀ = [W b] colsᵀ: every filter times every patch of the mini-batch, plus b, in one
        # product, laid out (o, (n, y, x)) so that the copy below moves whole images
        zT = _reused(saved, "z_T", (out, len(cols)), cols.dtype)
        np.matmul(Wb, cols.T, out=zT)
        # z_{n,o,y,x} = Σ_{p,q,i} w_{o,i,p,q} patch + b_o, into (m, out, H_out, W_out)
        np.copyto(z.reshape(m, out, Ho * Wo), zT.reshape(out, m, Ho * Wo).transpose(1, 0, 2))
        return z

    def _per_sample(self, cols: Array) -> Array:
        """colsᵀ stored column by column as a stack of m matrices, colsᵀ_n[k, (y, x)] (a view)."""
        _, Ho, Wo = self.output_shape
        return cols.T.reshape(cols.shape[1], -1, Ho * Wo).transpose(1, 0, 2)

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        m, (out, Ho, Wo), saved = len(delta), self.output_shape, cache.saved
        (kH, kW), C = self.kernel_size, self.in_channels
        cols, dtype, dT = saved["cols"], delta.dtype, None
        # ∂C/∂w_{o,i,p,q} = Σ_n r_n Σ_{y,x} δ_{n,o,y,x} a^(l−1)_{n,i,y·s+p,x·s+q}: the weight met
        # a pixel at every position, so its gradient sums over all of them: (r δ)ᵀ cols, one
        # product over the whole mini-batch. Its last column, against the column of ones, is
        # ∂C/∂b_o = Σ_n r_n Σ_{y,x} δ_{n,o,y,x} (a bias enters every position with factor 1)
        dWb = _reused(saved, "d_W_b", (out, cols.shape[1]), dtype)
        if self._by_column:  # as in the forward pass, a product per sample, then their sum
            scaled = delta  # r_n δ_n: with one r for every sample it is applied to the sums
            if np.ndim(rows) > 0:
                r_n = np.reshape(rows, (m, 1, 1, 1)).astype(dtype, copy=False)
                scaled = np.multiply(delta, r_n, out=cache.scaled)
            each = _reused(saved, "d_W_b_each", (m, *dWb.shape), dtype)
            per_sample = self._per_sample(cols).transpose(0, 2, 1)  # cols_n
            np.matmul(scaled.reshape(m, out, Ho * Wo), per_sample, out=each)
            each.sum(axis=0, out=dWb)
        else:
            # δᵀ[o, (n, y, x)]: δ laid out as the product zᵀ = W colsᵀ was
            dT = scaled_T = self._transposed(delta, saved)
            if np.ndim(rows) > 0:
                r = np.reshape(rows, (1, m, 1)).astype(dtype, copy=False)
                scaled_T = _reused(saved, "scaled_delta_T", dT.shape, dtype)
                np.multiply(dT.reshape(out, m, Ho * Wo), r, out=scaled_T.reshape(out, m, Ho * Wo))
            np.matmul(scaled_T, cols, out=dWb)
        np.copyto(cache.grads["W"], dWb[:, :-1].reshape(out, kH, kW, C).transpose(0, 3, 1, 2))
        cache.grads["b"][...] = dWb[:, -1]
        if np.ndim(rows) == 0:
            r0 = dtype.type(rows)
            cache.grads["W"] *= r0
            cache.grads["b"] *= r0
        if not need_dC_da_prev:
            return None
        return self._col2im(self._transposed(delta, saved) if dT is None else dT, cache)

    def _transposed(self, delta: Array, saved: dict[str, Any]) -> Array:
        """δᵀ[o, (n, y, x)]: δ laid out as the product zᵀ = W colsᵀ was."""
        m, (out, Ho, Wo) = len(delta), self.output_shape
        dT = _reused(saved, "delta_T", (out, m * Ho * Wo), delta.dtype)
        np.copyto(dT.reshape(out, m, Ho * Wo), delta.reshape(m, out, Ho * Wo).transpose(1, 0, 2))
        return dT

    def _col2im(self, dT: Array, cache: Cache) -> Array:
        """∂C_n/∂a^(l−1)_{i,u,v} = Σ_{o,p,q : u = y·s+p, v = x·s+q} δ_{n,o,y,x} w_{o,i,p,q}:
        each pixel collects δ from every output whose patch covered it (the "transposed
        convolution" of δ with W). For each kernel offset (p, q), δ W_{:,:,p,q} is what the
        pixels at that offset of every patch pass back, added onto the image where the patch
        was taken; the padding's share is then dropped (those zeros were not inputs)."""
        m, (C, H, W) = len(cache.dC_da_prev), self.input_shape
        (pH, pW), (_, Ho, Wo) = self.padding, self.output_shape
        saved, dtype = cache.saved, dT.dtype
        dx = _reused(saved, "d_padded", saved["padded"].shape, dtype)  # channels-last
        dx.fill(0.0)
        back = _reused(saved, "d_patch", (len(dT.T), C), dtype)
        for p, q, rows, columns in self._offsets():  # one product per kernel offset
            np.matmul(dT.T, self.W[:, :, p, q], out=back)
            dx[:, rows, columns] += back.reshape(m, Ho, Wo, C)
        np.copyto(cache.dC_da_prev, dx[:, pH : pH + H, pW : pW + W].transpose(0, 3, 1, 2))
        return cache.dC_da_prev

    # -- the glass box --------------------------------------------------------------------------

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """A kernel weight w_{o,i,p,q} enters z_{o,y,x} at every output position (y, x), with
        ∂z_{o,y,x}/∂w_{o,i,p,q} = a^(l−1)_{i,y·s+p,x·s+q} (0 where the kernel met padding); a
        bias b_o enters every z_{o,y,x} with factor 1.

        >>> import numpy as np
        >>> conv = Conv2D(1, 1, kernel_size=2)
        >>> conv.connect((1, 2, 3))
        >>> [(out, f.tolist()) for out, f in conv.parameter_paths(
        ...     "W", (0, 0, 1, 0), np.arange(6.0).reshape(1, 1, 2, 3))]
        [((0, 0, 0), [3.0]), ((0, 0, 1), [4.0])]
        """
        _, Ho, Wo = self.output_shape
        positions = [(y, x) for y in range(Ho) for x in range(Wo)]
        if name == "b":
            (o,) = index
            ones = np.ones(len(a_prev), dtype=a_prev.dtype)
            return [((o, y, x), ones) for y, x in positions]
        o, i, p, q = index
        (sH, sW), (pH, pW) = self.stride, self.padding
        padded = np.pad(a_prev[:, i], ((0, 0), (pH, pH), (pW, pW)))
        return [((o, y, x), padded[:, y * sH + p, x * sW + q]) for y, x in positions]

    # -- files and printing -----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The layer's constructor arguments as plain JSON-ready values."""
        act = self.activation
        config: dict[str, Any] = {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": list(self.kernel_size),
            "stride": list(self.stride),
            "padding": list(self.padding),
            "activation": {"name": act.name, **act.config()},
            "init": self.init if isinstance(self.init, str) else None,
        }
        if self.dropout:
            config["dropout"] = self.dropout
        return config  # (not input_shape: the network connects the layer to the one before)

    def __repr__(self) -> str:
        drop = f", dropout={self.dropout:g}" if self.dropout else ""
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, "
            f"kernel_size={_shown(self.kernel_size)}, stride={_shown(self.stride)}, "
            f"padding={_shown(self.padding)}, activation={self.activation!r}{drop})"
        )
