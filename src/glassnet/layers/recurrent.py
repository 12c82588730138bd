"""Recurrence: :class:`RNN`, a Dense layer applied at every time step, fed its own last output.

A sample is a sequence x_1, …, x_T of n_in numbers each (inputs (m, T, n_in), PyTorch's
``batch_first=True``). The layer keeps a state h of n_hidden neurons, starting at h_0 = 0, and
at each step t computes the tutorial's a = σ(W a + b) from *two* inputs, the step's x_t and the
state h_(t−1) before it::

    u_t = W_ih x_t + W_hh h_(t−1) + b        the pre-activation of step t
    h_t = σ(u_t)                             the new state

with the *same* W_ih (n_hidden, n_in), W_hh (n_hidden, n_hidden) and b at every step. The
layer gives every h_t (``return_sequences=True``, shape (m, T, n_hidden)) or only the last,
h_T (shape (m, n_hidden)), to the layer above.

σ is inside the recurrence (h_t feeds u_(t+1)), so it cannot be the σ that
:class:`~glassnet.layers.Layer` applies after z: here z^(l) is the h_t themselves, the layer's
σ in the contract's sense is the identity, and the per-step σ is :attr:`RNN.cell_activation`.

Backpropagation through time is the tutorial's chain rule with the steps unrolled: the
network is a deep stack of T copies of one layer sharing its weights. Given δ_t = ∂C_i/∂h_t
from the layer above (0 for every t < T when only h_T was passed on), going backwards from
t = T to 1::

    ∂C_i/∂h_t = δ_t + ∂C_i/∂u_(t+1) W_hh          (h_t feeds the output and step t + 1)
    ∂C_i/∂u_t = ∂C_i/∂h_t ⊙ σ'(u_t)                (through σ, as δ = ∂C/∂a ⊙ σ'(z))

and then, as for Dense at each step, summed over the steps because the weights are shared
(r_i each sample's share of C = Σ_i r_i C_i)::

    ∂C/∂W_ih = Σ_i r_i Σ_t (∂C_i/∂u_t)ᵀ x_t
    ∂C/∂W_hh = Σ_i r_i Σ_t (∂C_i/∂u_t)ᵀ h_(t−1)      (h_0 = 0: step 1 adds nothing)
    ∂C/∂b    = Σ_i r_i Σ_t ∂C_i/∂u_t
    ∂C_i/∂x_t = ∂C_i/∂u_t W_ih                       (handed to the layer before)

Only the loop over time is a Python loop (each step needs the one before); every step is one
matrix product for the whole mini-batch.

The numbers are PyTorch's ``torch.nn.RNN(n_in, n_hidden, nonlinearity, batch_first=True)``
with one layer, whose two biases only ever appear as a sum: bias_ih_l0 + bias_hh_l0 = b (so
give PyTorch bias_ih_l0 = b and bias_hh_l0 = 0 to compare).

Example:
    >>> import numpy as np
    >>> rnn = RNN(2, 3, return_sequences=True)
    >>> rnn.connect((4, 2))  # one sample's (T, n_in); a network does this in order
    >>> rnn.build(np.random.default_rng(0), "float64")
    >>> x = np.random.default_rng(1).normal(size=(5, 4, 2))
    >>> h = rnn.weighted_input(x)
    >>> h.shape
    (5, 4, 3)
    >>> h2 = np.tanh(x[:, 1] @ rnn.W_ih.T + h[:, 0] @ rnn.W_hh.T + rnn.b)  # step 2 by hand
    >>> bool(np.allclose(h[:, 1], h2))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import activations
from .. import init as initializers
from .._inputs import is_whole, positive_int
from ..activations import Activation
from . import Array, Cache, Layer, Path

__all__ = ["RNN", "PerStep"]


class PerStep(activations.Identity):
    """An RNN's σ in the layer contract's sense: the identity (its σ acts inside the recurrence,
    at every step), named after the σ it stands for, so that summaries and diagnoses show it.

    >>> PerStep(activations.get("tanh")), PerStep(activations.get("tanh")).name
    (tanh (per step), 'identity')
    """

    def __init__(self, cell: Activation) -> None:
        super().__init__()
        #: the σ applied at every step, :attr:`RNN.cell_activation`
        self.cell = cell

    def __repr__(self) -> str:
        return f"{self.cell!r} (per step)"


def _reused(saved: dict[str, Any], name: str, shape: tuple[int, ...], dtype: Any) -> Any:
    """``saved[name]``, made the first time (or when the shape changes): reused step to step."""
    buf = saved.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = saved[name] = np.empty(shape, dtype=dtype)
    return buf


class RNN(Layer):
    """A simple (Elman) recurrent layer: h_t = σ(W_ih x_t + W_hh h_(t−1) + b), h_0 = 0.

    See :mod:`glassnet.layers.recurrent` for the equations and backpropagation through time.

    Args:
        n_in: the numbers per time step of the input sequences.
        n_hidden: the neurons of the state h.
        activation: σ of every step, by name (``"tanh"``, ``"relu"``, …) or an elementwise
            :class:`~glassnet.activations.Activation` (PyTorch offers tanh and relu).
        return_sequences: give the layer above every h_t, (m, T, n_hidden), instead of the
            last state h_T, (m, n_hidden).
        init: how W_ih and W_hh are drawn (see :class:`~glassnet.layers.Dense`), each as its
            own matrix; ``None`` for the activation's default (xavier for tanh, he for relu).
            b starts at 0. (PyTorch draws all four of its arrays, biases included, from
            U(−1/√n_hidden, 1/√n_hidden); copy its weights in to start from the same place.)

    Shape:
        W_ih: (n_hidden, n_in), W_hh: (n_hidden, n_hidden), b: (n_hidden,); input
        (m, T, n_in) → output (m, T, n_hidden) or (m, n_hidden). A network whose first layer
        is an RNN needs ``input_shape=(T, n_in)``.

    Example:
        >>> import glassnet as gn
        >>> net = gn.Network([RNN(3, 8), gn.Dense(8, 2, activation="softmax")],
        ...                  cost="cross_entropy", input_shape=(5, 3))
        >>> net.layers[0], net.shapes
        (RNN(3, 8, activation=tanh), [(5, 3), (8,), (2,)])
    """

    parameter_names = ("W_ih", "W_hh", "b")
    penalised = ("W_ih", "W_hh")
    formula = "h_t = σ(W_ih x_t + W_hh h_(t−1) + b)"

    def __init__(
        self,
        n_in: int,
        n_hidden: int,
        activation: str | Activation = "tanh",
        return_sequences: bool = False,
        init: str | initializers.Initializer | None = None,
    ) -> None:
        self.n_in = positive_int(n_in, "RNN n_in")
        self.n_hidden = positive_int(n_hidden, "RNN n_hidden")
        #: σ of every step (the layer's own :attr:`activation`, applied after z, is the identity)
        self.cell_activation = activations.get(activation)
        # the contract's σ: the identity, printed as the σ it stands for ("tanh (per step)")
        self.activation = PerStep(self.cell_activation)
        if not self.cell_activation.elementwise:
            raise ValueError(
                f"RNN takes an elementwise activation such as 'tanh' or 'relu', got "
                f"{self.cell_activation!r}, which mixes neurons; put it on a Dense layer after"
            )
        if not isinstance(return_sequences, (bool, np.bool_)):
            raise ValueError(
                f"RNN return_sequences must be True (every h_t) or False (the last state h_T), "
                f"got {return_sequences!r}"
            )
        self.return_sequences = bool(return_sequences)
        default = initializers.default_for(self.cell_activation)
        self.init = init if init is not None else default
        initializers.get(self.init)  # fail now, not when the network is built
        self.W_ih: Array = np.zeros((0, 0))
        self.W_hh: Array = np.zeros((0, 0))
        self.b: Array = np.zeros(0)

    # -- shapes -------------------------------------------------------------------------------

    def connect(self, input_shape: tuple[int, ...]) -> None:
        """Take sequences of one sample's shape (T, n_in): T steps of n_in numbers."""
        if len(input_shape) != 2 or not all(is_whole(n) and n >= 1 for n in input_shape):
            raise ValueError(
                f"takes sequences of shape (T, n_in) = (time steps, {self.n_in}); give the "
                f"network input_shape=(T, {self.n_in}) and inputs X of shape (m, T, {self.n_in})"
            )
        T, n_in = (int(n) for n in input_shape)
        if n_in != self.n_in:
            raise ValueError(
                f"takes {self.n_in} numbers per time step (n_in={self.n_in}); make "
                f"n_in={n_in} to match the sequences' {n_in}"
            )
        self.input_shape = (T, n_in)
        H = self.n_hidden
        self.output_shape = (T, H) if self.return_sequences else (H,)

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """W_ih: (n_hidden, n_in), W_hh: (n_hidden, n_hidden), b: (n_hidden,)."""
        H = self.n_hidden
        return {"W_ih": (H, self.n_in), "W_hh": (H, H), "b": (H,)}

    def build(self, rng: np.random.Generator, dtype: DTypeLike) -> None:
        """Draw W_ih, then W_hh, with this layer's init scheme; b = 0."""
        draw = initializers.get(self.init)
        for name, shape in list(self.parameter_shapes().items())[:2]:
            W = draw(shape[0], shape[1], rng, dtype)
            if W.shape != shape:
                raise ValueError(f"init returned {name} of shape {W.shape}, expected {shape}")
            setattr(self, name, np.array(W, dtype=dtype))
        self.b = np.zeros(self.n_hidden, dtype=dtype)

    # -- forward and backward -----------------------------------------------------------------

    def _run(self, a_prev: Array, saved: dict[str, Any]) -> tuple[Array, Array]:
        """The recurrence for a mini-batch: (u, h), both laid out (T, m, n_hidden), step first,
        so that each step's rows are one block for the matrix products."""
        m, (T, n_in), H, dtype = len(a_prev), self.input_shape, self.n_hidden, a_prev.dtype
        x = _reused(saved, "x_T", (T, m, n_in), dtype)  # x[t, i] = x_t of sample i
        np.copyto(x, a_prev.transpose(1, 0, 2))
        u = _reused(saved, "u", (T, m, H), dtype)
        # W_ih x_t + b for every step and sample at once: one product
        np.matmul(x.reshape(T * m, n_in), self.W_ih.T, out=u.reshape(T * m, H))
        u += self.b
        h = _reused(saved, "h", (T, m, H), dtype)
        sigma, W_hh_T = self.cell_activation, self.W_hh.T
        tmp, where = _reused(saved, "tmp", (m, H), dtype), _reused(saved, "where", (m, H), bool)
        for t in range(T):
            if t > 0:  # u_t = W_ih x_t + b + W_hh h_(t−1)   (h_0 = 0 adds nothing at t = 1)
                u[t] += np.matmul(h[t - 1], W_hh_T, out=tmp)
            h_t = sigma.forward_into(u[t], h[t], tmp, where)  # h_t = σ(u_t)
            if h_t is not h[t]:  # (an activation without an in-place form: a new array)
                h[t] = h_t
        return u, h

    def weighted_input(self, a_prev: Array, cache: Cache | None = None) -> Array:
        saved: dict[str, Any] = {} if cache is None else cache.saved
        _, h = self._run(a_prev, saved)
        z = np.empty((len(a_prev), *self.output_shape), a_prev.dtype) if cache is None else cache.z
        # z = h_T, or every h_t: z[i, t] = h_t of sample i
        np.copyto(z, h.transpose(1, 0, 2) if self.return_sequences else h[-1])
        return z

    def backward_delta(
        self, delta: Array, cache: Cache, rows: Array | float, need_dC_da_prev: bool = True
    ) -> Array | None:
        saved, dtype = cache.saved, delta.dtype
        x, u, h = saved["x_T"], saved["u"], saved["h"]
        T, m, H = u.shape
        # σ'(u_t) for every step at once, then ∂C_i/∂u_t going back in time, into du
        du = _reused(saved, "d_u", (T, m, H), dtype)
        np.copyto(du, self.cell_activation.prime(u, h))
        carry = _reused(saved, "d_h", (m, H), dtype)  # ∂C_i/∂h_t
        for t in range(T - 1, -1, -1):
            if self.return_sequences and t < T - 1:  # δ_t from above, and from step t + 1
                carry += delta[:, t]
            elif self.return_sequences:
                carry[...] = delta[:, t]
            elif t == T - 1:  # only h_T was passed on
                carry[...] = delta
            du[t] *= carry  # ∂C_i/∂u_t = ∂C_i/∂h_t ⊙ σ'(u_t)
            if t > 0:  # what step t − 1's state passes on: ∂C_i/∂u_t W_hh
                np.matmul(du[t], self.W_hh, out=carry)
        scaled = du  # r_i ∂C_i/∂u_t: with one r for every sample, applied to the sums instead
        if np.ndim(rows) > 0:
            scaled = _reused(saved, "scaled_d_u", du.shape, dtype)
            np.multiply(du, np.reshape(rows, (1, m, 1)), out=scaled)
        grads = cache.grads
        flat = scaled.reshape(T * m, H)
        # ∂C/∂W_ih = Σ_i r_i Σ_t (∂C_i/∂u_t)ᵀ x_t, every step and sample in one product
        np.matmul(flat.T, x.reshape(T * m, -1), out=grads["W_ih"])
        # ∂C/∂W_hh = Σ_i r_i Σ_(t≥2) (∂C_i/∂u_t)ᵀ h_(t−1)
        np.matmul(flat[m:].T, h[:-1].reshape((T - 1) * m, H), out=grads["W_hh"])
        flat.sum(axis=0, out=grads["b"])  # ∂C/∂b = Σ_i r_i Σ_t ∂C_i/∂u_t
        if np.ndim(rows) == 0:
            for name in self.parameter_names:
                grads[name] *= dtype.type(rows)
        if not need_dC_da_prev:
            return None
        # ∂C_i/∂x_t = ∂C_i/∂u_t W_ih, laid out back as (m, T, n_in)
        dx = _reused(saved, "d_x", x.shape, dtype)
        np.matmul(du.reshape(T * m, H), self.W_ih, out=dx.reshape(T * m, -1))
        np.copyto(cache.dC_da_prev, dx.transpose(1, 0, 2))
        return cache.dC_da_prev

    # -- the glass box --------------------------------------------------------------------------

    def parameter_paths(self, name: str, index: tuple[int, ...], a_prev: Array) -> list[Path]:
        """θ enters every output h_t (through every step up to t), so there is one path per
        output neuron j and step t with factor dh_t,j/dθ, the total derivative through time,
        carried forwards with the state (s_0 = 0)::

            s_t = dh_t/dθ = σ'(u_t) ⊙ (∂u_t/∂θ + W_hh s_(t−1))

        ∂u_t/∂θ is x_t,k in row j for θ = W_ih[j, k], h_(t−1),k in row j for W_hh[j, k], 1 in
        row j for b[j]. Then ∂C/∂θ = Σ_i r_i Σ_(t, j) δ_i[t, j] · s_t,j with δ = ∂C_i/∂h_t as
        the layer above passes it (only h_T's paths when only h_T is passed on).

        >>> import numpy as np
        >>> rnn = RNN(1, 1, activation="identity")
        >>> rnn.connect((2, 1))
        >>> rnn.W_ih, rnn.W_hh, rnn.b = np.array([[2.0]]), np.array([[0.5]]), np.zeros(1)
        >>> x = np.array([[[1.0], [3.0]]])  # h_1 = 2, h_2 = 6 + 0.5·2 = 7
        >>> [(out, f.tolist()) for out, f in rnn.parameter_paths("W_ih", (0, 0), x)]
        [((0,), [3.5])]
        """
        u, h = self._run(a_prev, {})
        T, m, H = u.shape
        j, k = (*index, 0)[:2]
        step = np.zeros((m, H), dtype=u.dtype)  # ∂u_t/∂θ: nonzero in column j only
        s = np.zeros((m, H), dtype=u.dtype)
        factors = []
        for t in range(T):
            if name == "W_ih":
                step[:, j] = a_prev[:, t, k]  # ∂u_t,j/∂W_ih[j, k] = x_t,k
            elif name == "W_hh":
                step[:, j] = h[t - 1, :, k] if t > 0 else 0.0  # h_(t−1),k (h_0 = 0)
            else:
                step[:, j] = 1.0  # ∂u_t,j/∂b_j = 1
            s = self.cell_activation.prime(u[t], h[t]) * (step + s @ self.W_hh.T)
            factors.append(s)
        if not self.return_sequences:
            return [((q,), factors[-1][:, q].copy()) for q in range(H)]
        return [((t, q), factors[t][:, q].copy()) for t in range(T) for q in range(H)]

    # -- files and printing -----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """The layer's constructor arguments as plain JSON-ready values."""
        act = self.cell_activation
        return {
            "n_in": self.n_in,
            "n_hidden": self.n_hidden,
            "activation": {"name": act.name, **act.config()},
            "return_sequences": self.return_sequences,
            "init": self.init if isinstance(self.init, str) else None,
        }

    def __repr__(self) -> str:
        seq = ", return_sequences=True" if self.return_sequences else ""
        return f"RNN({self.n_in}, {self.n_hidden}, activation={self.cell_activation!r}{seq})"
