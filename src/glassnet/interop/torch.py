"""PyTorch, both ways: a network as ``torch.nn.Sequential`` and a ``Sequential`` as a network.

Each glassnet layer is the torch module computing the same z^(l), followed by the module of
its σ_l (``nn.Identity()`` for the identity), so layer l is module ``2(l−1)`` and its σ module
``2(l−1)+1`` whatever the layer types:

==============================  ==================================================================
glassnet                        torch.nn (parameter ← glassnet array, no transpose anywhere)
==============================  ==================================================================
Dense(n_in, n_out)              Linear(n_in, n_out): weight ← W (out, in), bias ← b
Conv2D(in, out, k, s, p)        Conv2d(in, out, k, stride=s, padding=p): weight ← W (out, in, kH,
                                kW), bias ← b
MaxPool2D(k, s, p)              MaxPool2d(k, stride=s, padding=p)
AvgPool2D(k, s, p)              AvgPool2d(k, stride=s, padding=p, count_include_pad=True)
Flatten()                       Flatten() (start_dim=1)
Reshape(shape)                  Unflatten(1, shape) of flat rows (Sequential(Flatten(),
                                Unflatten(1, shape)) when the input has a shape)
BatchNorm(n, momentum, eps)     BatchNorm1d (inputs (n,) or (n, L)) or BatchNorm2d (images):
                                weight ← gamma, bias ← beta, running_mean, running_var; the same
                                momentum (PyTorch's meaning) and eps
RNN(n_in, H, σ, sequences)      Sequential(RNN(n_in, H, nonlinearity=σ, batch_first=True),
                                RNNOutput(sequences)): weight_ih_l0 ← W_ih, weight_hh_l0 ← W_hh,
                                bias_ih_l0 ← b, bias_hh_l0 ← 0 (σ tanh or relu)
Residual(layers, projection)    ResidualBlock(Sequential(f_1, σ_1, …), Sequential(p, σ_p) or
                                None), computing z = x + body(x) or projection(x) + body(x)
==============================  ==================================================================

``RNNOutput`` and ``ResidualBlock`` are glassnet's own small modules
(:mod:`glassnet.interop.torch_modules`; also ``glassnet.interop.torch.RNNOutput`` and
``.ResidualBlock``): ``nn.RNN`` gives a pair (every h_t, the last state), and RNNOutput passes
on what glassnet's RNN does. From PyTorch, an RNN's b is bias_ih_l0 + bias_hh_l0, its two
biases only ever appear as a sum; an ``nn.RNN`` must be followed by an RNNOutput.

In ``eval()`` mode the module computes ``net.forward``; in ``train()`` mode BatchNorm uses the
mini-batch's statistics, as a training computation in glassnet does (``net.gradients``), so
the gradients of the same cost are the same. Dropout is not exported: it acts only in ``fit``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
from numpy.typing import DTypeLike, NDArray

from .. import activations as acts
from ..activations import Activation
from ..costs import Cost
from ..layers import Dense, Layer
from ..layers.convolution import Conv2D
from ..layers.normalisation import BatchNorm
from ..layers.pooling import AvgPool2D, MaxPool2D
from ..layers.recurrent import RNN
from ..layers.reshaping import Flatten, Reshape
from ..layers.residual import Residual
from ..network import Network
from ._common import check_network, network_from, require

if TYPE_CHECKING:
    import torch

__all__ = ["from_torch", "to_torch_module", "to_torch_state_dict"]

# torch.nn module classes that are layers in glassnet (the rest may be activations)
_LAYER_MODULES: tuple[str, ...] = ("Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten")
_LAYER_MODULES += ("Unflatten", "BatchNorm1d", "BatchNorm2d", "RNN")
# the layers glassnet applies σ in; the others only move or pool numbers (and RNN's σ is inside)
_WITH_ACTIVATION = ("Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "ResidualBlock")
# the first modules that leave one sample's shape unknown to glassnet
_NEED_INPUT_SHAPE = ("Conv2d", "MaxPool2d", "AvgPool2d", "Flatten", "BatchNorm2d")


def _nn() -> Any:
    return require("torch.nn", "torch", "PyTorch interop")


def __getattr__(name: str) -> Any:
    # ResidualBlock and RNNOutput subclass torch.nn.Module, so they live in a module of their
    # own that imports torch: loaded when first asked for, not with glassnet.interop
    if name in ("ResidualBlock", "RNNOutput"):
        require("torch", "torch", "PyTorch interop")
        from . import torch_modules

        return getattr(torch_modules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- glassnet → PyTorch ---------------------------------------------------------------------------


def _torch_activation(act: Activation, l: str) -> Any:
    """The ``torch.nn`` module computing σ_l exactly as glassnet does: the one it names."""
    nn = _nn()
    if act.torch_module is None:
        raise ValueError(
            f"layer {l}'s activation {act!r} has no torch.nn module in glassnet: it states no "
            "torch_module (the name of the torch.nn class computing it, e.g. torch_module = "
            "'Tanh'). Give its class one, or use a built-in activation: each has one"
        )
    module = getattr(nn, act.torch_module, None)
    if not isinstance(module, type):
        raise ValueError(
            f"layer {l}'s activation {act!r} names torch_module = {act.torch_module!r}, but "
            "the installed torch.nn has no module class of that name; correct its torch_module"
        )
    return module(**act.torch_arguments())


def _filled(module: Any, values: Mapping[str, Any]) -> Any:
    """``module`` with its parameters and buffers (torch name → glassnet array) copied in."""
    torch = require("torch", "torch", "PyTorch interop")
    with torch.no_grad():
        for name, value in values.items():
            getattr(module, name).copy_(torch.from_numpy(np.array(value)))
    return module


def _torch_layers(layers: Sequence[Layer], tag: str, dtype: Any) -> list[Any]:
    """f_1, σ_1, f_2, σ_2, …: each layer's module, then its σ's (``tag`` numbers them: layer
    k is ``f"{tag}{k}"``)."""
    modules = []
    for k, layer in enumerate(layers, start=1):
        where = f"{tag}{k}"
        modules += [_torch_layer(layer, where, dtype), _torch_activation(layer.activation, where)]
    return modules


def _torch_layer(layer: Layer, l: str, dtype: Any) -> Any:
    """The torch module computing layer l's z^(l), holding copies of its arrays."""
    nn = _nn()
    new = nn.utils.skip_init  # no random initialisation (nor use of torch's generator)
    if isinstance(layer, Dense):
        linear = new(nn.Linear, layer.n_in, layer.n_out, dtype=dtype)
        return _filled(linear, {"weight": layer.W, "bias": layer.b})  # (out, in) = (n_l, n_{l−1})
    if isinstance(layer, Conv2D):
        c = layer  # W (out, in, kH, kW), b (out,): PyTorch's layout
        conv = new(
            nn.Conv2d,
            c.in_channels,
            c.out_channels,
            c.kernel_size,
            stride=c.stride,
            padding=c.padding,
            dtype=dtype,
        )
        return _filled(conv, {"weight": c.W, "bias": c.b})
    if isinstance(layer, MaxPool2D):
        return nn.MaxPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
    if isinstance(layer, AvgPool2D):
        return nn.AvgPool2d(
            layer.kernel_size, stride=layer.stride, padding=layer.padding, count_include_pad=True
        )
    if isinstance(layer, Flatten):
        return nn.Flatten()
    if isinstance(layer, Reshape):
        unflatten = nn.Unflatten(1, layer.shape)
        return unflatten if len(layer.input_shape) == 1 else nn.Sequential(nn.Flatten(), unflatten)
    if isinstance(layer, BatchNorm):
        if len(layer.input_shape) not in (1, 2, 3):
            raise ValueError(
                f"layer {l} (BatchNorm) takes inputs of shape {layer.input_shape}; PyTorch's "
                "BatchNorm1d takes (C,) or (C, L) and BatchNorm2d (C, H, W), nothing else"
            )
        kind = nn.BatchNorm2d if len(layer.input_shape) == 3 else nn.BatchNorm1d
        bn = new(kind, layer.n, eps=layer.eps, momentum=layer.momentum, dtype=dtype)
        bn.num_batches_tracked.zero_()  # glassnet does not count them (nor need to)
        values = {"weight": layer.gamma, "bias": layer.beta}  # γ, β
        values |= {"running_mean": layer.running_mean, "running_var": layer.running_var}
        return _filled(bn, values)
    if isinstance(layer, RNN):
        return _torch_rnn(layer, l, dtype)
    if isinstance(layer, Residual):  # z = a + f(a), or p(a) + f(a); σ is the next module
        from .torch_modules import ResidualBlock

        p = layer.projection
        body = nn.Sequential(*_torch_layers(layer.layers, f"{l}.", dtype))
        projection = None if p is None else nn.Sequential(*_torch_layers([p], f"{l}.p", dtype))
        return ResidualBlock(body, projection)
    raise ValueError(
        f"layer {l} is {type(layer).__name__}, which to_torch_module cannot export; it writes "
        "Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, Reshape, BatchNorm, RNN and Residual "
        "layers"
    )


def _torch_rnn(layer: RNN, l: str, dtype: Any) -> Any:
    """``Sequential(nn.RNN(batch_first=True), RNNOutput)``: PyTorch's two biases get b and 0."""
    from .torch_modules import RNNOutput

    nn = _nn()
    cell = layer.cell_activation.name
    if cell not in ("tanh", "relu"):
        raise ValueError(
            f"layer {l} is an RNN with cell activation {layer.cell_activation!r}, but "
            "torch.nn.RNN's nonlinearity is 'tanh' or 'relu' only; to_onnx(net, "
            "rnn='unrolled') exports any cell activation"
        )
    # made on the meta device, then given empty memory: no draw from torch's generator
    rnn = nn.RNN(
        layer.n_in, layer.n_hidden, nonlinearity=cell, batch_first=True, device="meta", dtype=dtype
    ).to_empty(device="cpu")
    # u_t = W_ih x_t + bias_ih + W_hh h_(t−1) + bias_hh: the sum of the biases is b
    values = {"weight_ih_l0": layer.W_ih, "weight_hh_l0": layer.W_hh, "bias_ih_l0": layer.b}
    _filled(rnn, values | {"bias_hh_l0": np.zeros_like(layer.b)})
    return nn.Sequential(rnn, RNNOutput(layer.return_sequences))


def to_torch_module(net: Network) -> torch.nn.Sequential:
    """The network as ``torch.nn.Sequential(f_1, σ_1, f_2, σ_2, …, f_L, σ_L)``.

    Module ``2(l−1)`` is layer l's own map f_l (``nn.Linear``, ``nn.Conv2d``, ``nn.MaxPool2d``,
    ``nn.AvgPool2d``, ``nn.Flatten``, ``nn.Unflatten``, ``nn.BatchNorm1d``/``2d``,
    ``Sequential(nn.RNN, RNNOutput)`` or a ``ResidualBlock`` whose body is laid out the same
    way: see :mod:`glassnet.interop.torch`) holding copies of its arrays in the same layout,
    and module ``2(l−1)+1`` is σ_l, an identity included, so the indexes are regular. The
    module has the network's dtype and, in ``eval()`` mode, computes what ``net.forward`` does
    (softplus uses threshold 40, not PyTorch's 20, so that it is exact in float64). Its
    ``state_dict()`` is :func:`to_torch_state_dict`. A new module is in training mode, as
    torch makes it: call ``.eval()`` before predicting with a network that has BatchNorm
    layers.

    Example:
        >>> import numpy as np, torch, glassnet as gn
        >>> from glassnet.interop import to_torch_module
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="relu", seed=0, dtype="float64")
        >>> module = to_torch_module(net)
        >>> module
        Sequential(
          (0): Linear(in_features=2, out_features=3, bias=True)
          (1): ReLU()
          (2): Linear(in_features=3, out_features=1, bias=True)
          (3): ReLU()
        )
        >>> X = np.array([[0.5, -1.0]])
        >>> bool(np.allclose(module(torch.from_numpy(X)).detach().numpy(), net.forward(X)))
        True
        >>> images = gn.Network([gn.MaxPool2D(2), gn.Flatten(), gn.Dense(4, 1)],
        ...                     input_shape=(1, 4, 4))
        >>> [type(m).__name__ for m in to_torch_module(images)]
        ['MaxPool2d', 'Identity', 'Flatten', 'Identity', 'Linear', 'Sigmoid']
        >>> seq = gn.Network([gn.RNN(2, 3), gn.Residual([gn.Dense(3, 3)], activation="relu")],
        ...                  input_shape=(4, 2))
        >>> [type(m).__name__ for m in to_torch_module(seq)]
        ['Sequential', 'Identity', 'ResidualBlock', 'ReLU']
    """
    torch = require("torch", "torch", "PyTorch interop")
    net = check_network(net, "to_torch_module")
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    return torch.nn.Sequential(*_torch_layers(net.layers, "", dtype))


def to_torch_state_dict(net: Network) -> dict[str, torch.Tensor]:
    """The arrays as the ``state_dict`` of :func:`to_torch_module`'s ``nn.Sequential``.

    Layer l's keys start with ``"{2(l−1)}."``, because the odd indexes are the (parameter-free)
    activation modules: ``"0.weight"`` = ``net.W[1]`` (the same (out, in) or (out, in, kH, kW)
    layout), ``"0.bias"`` = ``net.b[1]``, ``"2.weight"``, …; a BatchNorm layer's are
    ``weight`` = gamma, ``bias`` = beta, ``running_mean``, ``running_var`` and
    ``num_batches_tracked`` (0: glassnet does not count them). Layers without parameters have
    no keys. The tensors are copies, in the network's dtype.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.interop import to_torch_state_dict
        >>> net = gn.Network.from_sizes([4, 3, 2], seed=0)
        >>> {k: tuple(v.shape) for k, v in to_torch_state_dict(net).items()}
        {'0.weight': (3, 4), '0.bias': (3,), '2.weight': (2, 3), '2.bias': (2,)}
    """
    net = check_network(net, "to_torch_state_dict")
    return dict(to_torch_module(net).state_dict())


# -- PyTorch → glassnet ---------------------------------------------------------------------------


def _activation_of_module(module: Any, index: str) -> Activation | None:
    """The glassnet activation a torch module computes; ``None`` for a no-op at inference.

    Every registered activation that names the module's class as its ``torch_module`` is asked
    whether it computes what the module does (its ``from_torch_module``).
    """
    nn = _nn()
    kind = type(module)
    if kind is nn.Dropout:
        return None
    known = [act for act in map(acts.get, acts.ACTIVATIONS) if act.torch_module is not None]
    if getattr(nn, kind.__name__, None) is kind:  # one of torch.nn's own module classes
        for candidate in known:
            if candidate.torch_module == kind.__name__:
                act = candidate.from_torch_module(module)
                if act is not None:
                    return act
                args = ", ".join(f"{k}={v!r}" for k, v in candidate.torch_arguments().items())
                raise ValueError(
                    f"module {index} is {module!r}, which glassnet cannot represent: glassnet's "
                    f"{candidate.name} is torch's {kind.__name__}({args})"
                )
    names = ", ".join(dict.fromkeys(str(act.torch_module) for act in known))
    raise ValueError(
        f"module {index} is {module!r}, which glassnet cannot represent; from_torch reads the "
        f"layers {', '.join(_LAYER_MODULES)}, the activations {names} (as glassnet computes "
        "them), and Dropout (ignored: it does nothing at inference)"
    )


def _refuse(module: Any, index: str, why: str) -> NoReturn:
    raise ValueError(f"module {index} is {module!r}; glassnet cannot represent it: {why}")


def _pair(value: Any) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _conv_padding(m: Any, index: str) -> tuple[int, int]:
    """An nn.Conv2d's padding as (rows, columns) of zeros on each side."""
    if m.padding == "valid":
        return (0, 0)
    if m.padding == "same":  # with stride 1: (k − 1)/2 on each side, for odd kernels only
        if any(k % 2 == 0 for k in m.kernel_size):
            _refuse(
                m,
                index,
                "padding='same' with an even kernel pads one side more than the "
                "other, while glassnet's Conv2D pads both sides alike",
            )
        return (m.kernel_size[0] // 2, m.kernel_size[1] // 2)
    return _pair(m.padding)


# a layer's parameters and buffers (glassnet name → array); a Residual's: a list, its layers'
Values = dict[str, NDArray[Any]] | list[Any]


def _layer_of_module(
    name: str, m: Any, act: Activation, output: Any = None
) -> tuple[Layer, Values]:
    """The glassnet layer computing what torch module ``m`` (named ``name``) does, followed by
    σ = ``act``, and its values; ``output`` is the RNNOutput after an nn.RNN."""
    kind, index = type(m).__name__, repr(name)
    if kind == "RNN":
        return _rnn_of_module(m, index, output.return_sequences)
    if kind == "ResidualBlock":  # the body's layers and the projection's, read alike
        body = [_layer_of_module(*found) for found in _layers_of_module(m.body, f"{name}.body")]
        p = None
        if m.projection is not None:
            found = _layers_of_module(m.projection, f"{name}.projection")
            if len(found) != 1:
                _refuse(m, index, "its projection must be one layer (and its activation)")
            p = _layer_of_module(*found[0])
        block = Residual([ly for ly, _ in body], None if p is None else p[0], activation=act)
        return block, [v for _, v in body] + ([] if p is None else [p[1]])
    if kind in ("Linear", "Conv2d"):  # weight (out, in) or (out, in, kH, kW): glassnet's W
        W = _as_numpy(m.weight, f"{index}.weight")
        b = np.zeros(W.shape[0], W.dtype) if m.bias is None else _as_numpy(m.bias, index)
        if kind == "Linear":
            return Dense(m.in_features, m.out_features, activation=act), {"W": W, "b": b}
        if m.groups != 1 or _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros":
            _refuse(m, index, "glassnet's Conv2D has groups=1, dilation=1 and padding_mode='zeros'")
        padding = _conv_padding(m, index)
        conv = Conv2D(
            m.in_channels,
            m.out_channels,
            m.kernel_size,
            stride=m.stride,
            padding=padding,
            activation=act,
        )
        return conv, {"W": W, "b": b}
    if kind in ("MaxPool2d", "AvgPool2d"):
        if m.ceil_mode:
            _refuse(m, index, "glassnet's pooling rounds the output size down (ceil_mode=False)")
        if kind == "MaxPool2d" and (_pair(m.dilation) != (1, 1) or m.return_indices):
            _refuse(m, index, "glassnet's MaxPool2D has dilation=1 and returns no indices")
        if kind == "AvgPool2d" and (not m.count_include_pad or m.divisor_override is not None):
            _refuse(
                m,
                index,
                "glassnet's AvgPool2D divides by kH·kW, padding included "
                "(count_include_pad=True, divisor_override=None)",
            )
        pool = MaxPool2D if kind == "MaxPool2d" else AvgPool2D
        return pool(m.kernel_size, stride=m.stride, padding=m.padding), {}
    if kind == "Flatten":
        if m.start_dim != 1 or m.end_dim != -1:
            _refuse(
                m,
                index,
                "glassnet's Flatten flattens every axis of a sample (start_dim=1, end_dim=-1)",
            )
        return Flatten(), {}
    if kind == "Unflatten":
        if m.dim not in (1, -1):
            _refuse(m, index, "glassnet's Reshape gives each sample (axis 1) a new shape")
        return Reshape(m.unflattened_size), {}
    # BatchNorm1d, BatchNorm2d
    if m.running_mean is None or m.momentum is None:
        _refuse(
            m,
            index,
            "glassnet's BatchNorm keeps running statistics with a momentum "
            "(track_running_stats=True, momentum a number)",
        )
    mean = _as_numpy(m.running_mean, f"{index}.running_mean")
    values = {"running_mean": mean, "running_var": _as_numpy(m.running_var, index)}
    if m.affine:
        values |= {"gamma": _as_numpy(m.weight, index), "beta": _as_numpy(m.bias, index)}
    else:  # no γ and β: z = x̂, which is γ = 1 and β = 0 (glassnet would then train them)
        values |= {"gamma": np.ones_like(mean), "beta": np.zeros_like(mean)}
    return BatchNorm(m.num_features, momentum=m.momentum, eps=m.eps, activation=act), values


def _rnn_of_module(m: Any, index: str, return_sequences: bool) -> tuple[Layer, Values]:
    """glassnet's RNN computing what a one-layer nn.RNN does: b = bias_ih + bias_hh."""
    if m.num_layers != 1 or m.bidirectional or not m.batch_first or m.proj_size:
        _refuse(
            m,
            index,
            "glassnet's RNN is one layer, one direction, on sequences (m, T, n_in) "
            "(num_layers=1, bidirectional=False, batch_first=True, proj_size=0); stack RNN "
            "layers for more than one",
        )
    W_ih = _as_numpy(m.weight_ih_l0, f"{index}.weight_ih_l0")
    values = {"W_ih": W_ih, "W_hh": _as_numpy(m.weight_hh_l0, f"{index}.weight_hh_l0")}
    b = np.zeros(m.hidden_size, W_ih.dtype)
    if m.bias:  # PyTorch's two biases only ever appear as a sum
        b = _as_numpy(m.bias_ih_l0, index) + _as_numpy(m.bias_hh_l0, index)
    rnn = RNN(m.input_size, m.hidden_size, m.nonlinearity, return_sequences=return_sequences)
    return rnn, values | {"b": b}


def _leaves(module: Any, name: str) -> list[tuple[str, Any]]:
    """The modules that run, in order: the leaves, and a ResidualBlock as a whole."""
    from .torch_modules import ResidualBlock

    # every child in order, one used twice (a shared nn.ReLU) included: named_children()
    # would give it once
    children = [(k, m) for k, m in module._modules.items() if m is not None]
    if not children or type(module) is ResidualBlock:
        containers = (_nn().Sequential, _nn().ModuleList, _nn().ModuleDict)
        return [] if isinstance(module, containers) else [(name, module)]
    return [
        leaf for child, m in children for leaf in _leaves(m, f"{name}.{child}" if name else child)
    ]


def _layers_of_module(module: Any, prefix: str = "") -> list[tuple[str, Any, Activation, Any]]:
    """``(name, layer module, σ, the RNNOutput after an nn.RNN)`` of each layer of a module,
    in the order they run."""
    from .torch_modules import ResidualBlock, RNNOutput

    nn = _nn()
    found: list[tuple[str, Any, Activation | None, Any]] = []
    for name, m in _leaves(module, prefix):
        kind = type(m).__name__
        after_rnn = bool(found) and type(found[-1][1]) is nn.RNN and found[-1][3] is None
        if after_rnn and type(m) is not RNNOutput:
            raise ValueError(
                f"module {found[-1][0]!r} (nn.RNN) gives a pair (every h_t, h_n), but module "
                f"{name!r} ({m!r}) follows it; put glassnet.interop.torch.RNNOutput("
                "return_sequences=...) right after an nn.RNN, to pass on every h_t or the last"
            )
        if type(m) is RNNOutput:
            if not after_rnn:
                raise ValueError(f"module {name!r} (RNNOutput) must come right after an nn.RNN")
            found[-1] = (*found[-1][:3], m)
            continue
        if type(m) is ResidualBlock or (
            kind in _LAYER_MODULES and getattr(nn, kind, None) is type(m)
        ):
            found.append((name, m, None, None))
            continue
        a = _activation_of_module(m, repr(name))
        if a is None:
            continue
        if not found:
            raise ValueError(
                f"module {name!r} ({m!r}) comes before any layer; a glassnet network starts "
                f"with a layer ({', '.join(_LAYER_MODULES)})"
            )
        before, layer, act, output = found[-1]
        if act is not None:
            raise ValueError(
                f"module {name!r} ({m!r}) is a second activation after module {before!r}; "
                "glassnet applies one σ per layer"
            )
        if type(layer) is nn.RNN and a.name != "identity":
            raise ValueError(
                f"module {name!r} ({m!r}) follows an nn.RNN; glassnet's RNN applies its σ "
                "inside every step (the nonlinearity) and none after: put a layer between"
            )
        if type(layer).__name__ not in _WITH_ACTIVATION and a.name != "identity":
            raise ValueError(
                f"module {name!r} ({m!r}) follows {layer!r}, which applies no activation in "
                f"glassnet: σ belongs to a layer of type {', '.join(_WITH_ACTIVATION)}. Put "
                "the activation on the layer before it (after max pooling or before it, an "
                "increasing σ such as relu gives the same numbers)"
            )
        found[-1] = (before, layer, a, output)
    if not found:
        raise ValueError(f"{type(module).__name__} holds no layer to read")
    if type(found[-1][1]) is nn.RNN and found[-1][3] is None:
        raise ValueError(
            f"module {found[-1][0]!r} (nn.RNN) gives a pair (every h_t, h_n); put "
            "glassnet.interop.torch.RNNOutput(return_sequences=...) right after it"
        )
    return [(name, m, act or acts.Identity(), out) for name, m, act, out in found]


def _layers_of_state_dict(state: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """``(weight, bias)`` per nn.Linear layer, grouped by key prefix in the state dict's order."""
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key.endswith((".weight", ".bias", "weight", "bias")):
            raise ValueError(
                f"state dict key {key!r} is not a layer's 'weight' or 'bias'; from_torch reads "
                "the state dict of nn.Linear layers only (keys like '0.weight', '0.bias'). A "
                "state dict does not say where BatchNorm, pooling or reshaping go: pass the "
                "module itself (to_torch_module's, or your own with the weights loaded)"
            )
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = value
    layers = []
    for prefix, group in groups.items():
        if "weight" not in group:
            raise ValueError(f"state dict has {prefix}.bias but no {prefix}.weight")
        layers.append((group["weight"], group.get("bias")))
    if not layers:
        raise ValueError("the state dict is empty; it should hold '0.weight', '0.bias', …")
    return layers


def _arrays(values: Values) -> Iterator[NDArray[Any]]:
    """Every array of nested values."""
    for v in values.values() if isinstance(values, dict) else values:
        yield from (_arrays(v) if isinstance(v, (dict, list)) else [v])


def _as_numpy(tensor: Any, what: str) -> NDArray[Any]:
    torch = require("torch", "torch", "PyTorch interop")
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"{what} must be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise ValueError(f"{what} must hold floating-point numbers, got {tensor.dtype}")
    t = tensor.detach().cpu()
    if t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float32)  # float16 / bfloat16: widen
    return np.array(t.numpy())


def _dense_of_state_dict(state: Mapping[str, Any]) -> list[tuple[Layer, Values]]:
    """A Dense layer (σ to be set) and its W, b for each nn.Linear of a state dict."""
    found: list[tuple[Layer, Values]] = []
    for l, (W_t, b_t) in enumerate(_layers_of_state_dict(state), start=1):
        W = _as_numpy(W_t, f"layer {l}'s weight")
        if W.ndim != 2:
            raise ValueError(
                f"layer {l}'s weight has shape {tuple(W.shape)}; an nn.Linear weight is "
                "(out_features, in_features). A state dict does not record a convolution's "
                "stride and padding: pass the module itself for a convolutional network"
            )
        b = np.zeros(W.shape[0], W.dtype) if b_t is None else _as_numpy(b_t, f"layer {l}'s bias")
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"layer {l}'s bias has shape {tuple(b.shape)}, but its weight {tuple(W.shape)} "
                f"needs ({W.shape[0]},)"
            )
        found.append((Dense(W.shape[1], W.shape[0]), {"W": W, "b": b}))
    return found


def from_torch(
    module_or_state_dict: Any,
    activation: str | Activation | None = None,
    output_activation: str | Activation | None = None,
    cost: str | Cost = "quadratic",
    dtype: DTypeLike | None = None,
    seed: int | np.random.Generator | None = None,
    input_shape: Sequence[int] | None = None,
) -> Network:
    """A glassnet Network computing what a PyTorch module does, with its weights copied.

    Every torch layout is glassnet's (see :mod:`glassnet.interop.torch`), so nothing is
    transposed: ``nn.Linear`` becomes :class:`~glassnet.Dense`, ``nn.Conv2d``
    :class:`~glassnet.layers.Conv2D`, ``nn.MaxPool2d``/``nn.AvgPool2d``
    :class:`~glassnet.layers.MaxPool2D`/:class:`~glassnet.layers.AvgPool2D`, ``nn.Flatten``
    :class:`~glassnet.layers.Flatten`, ``nn.Unflatten(1, shape)`` (of flat rows)
    :class:`~glassnet.layers.Reshape`, ``nn.BatchNorm1d``/``2d``
    :class:`~glassnet.layers.BatchNorm` (γ, β and the running statistics copied, whatever the
    module's mode), a one-layer ``nn.RNN(batch_first=True)`` followed by glassnet's
    ``RNNOutput`` :class:`~glassnet.layers.RNN` (b = bias_ih_l0 + bias_hh_l0), and glassnet's
    ``ResidualBlock`` :class:`~glassnet.layers.Residual` (its body and projection read the same
    way). An activation module after a layer becomes that layer's σ.

    Args:
        module_or_state_dict: an ``nn.Module`` (usually ``nn.Sequential``) whose leaf modules
            are those layers, each followed by at most one supported activation module (none
            means identity; ``nn.Dropout`` is skipped), or a ``state_dict`` of ``nn.Linear``
            layers: keys ``"<prefix>.weight"`` and ``"<prefix>.bias"``, layers in the dict's
            order. A layer without a bias gets b = 0.
        activation: σ of the hidden layers; only for a state dict, which does not record the
            activations (default ``"sigmoid"``, as ``Network.from_sizes``).
        output_activation: σ_L for a state dict; ``None``: the same as ``activation``.
        cost: the network's cost.
        dtype: ``"float32"`` or ``"float64"``; ``None`` keeps the tensors' (float64 if they are
            float64, else float32).
        seed: seeds the new network's random generator (used by ``fit`` for shuffling).
        input_shape: one sample's shape, e.g. ``(1, 28, 28)``. Needed when the module starts
            with a layer that takes images (``nn.Conv2d``, pooling, ``nn.BatchNorm2d``,
            ``nn.Flatten``), or sequences (``nn.RNN``: (T, n_in)): a torch module does not
            record the size of its inputs.

    Raises:
        ValueError: a module glassnet cannot represent (naming it and what is read),
            shapes that do not chain, a missing ``input_shape``, or ``activation`` given
            together with a module (whose own activations are used).

    Example:
        >>> import torch, glassnet as gn
        >>> from torch import nn
        >>> from glassnet.interop import from_torch
        >>> module = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
        >>> from_torch(module)
        Network([2, 3, 1], activations=[tanh, identity], cost=quadratic, dtype=float32)
        >>> from_torch(module.state_dict(), activation="tanh", output_activation="identity")
        Network([2, 3, 1], activations=[tanh, identity], cost=quadratic, dtype=float32)
        >>> images = nn.Sequential(nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4, 1))
        >>> from_torch(images, input_shape=(1, 4, 4)).shapes
        [(1, 4, 4), (1, 2, 2), (4,), (1,)]
    """
    torch = require("torch", "torch", "PyTorch interop")
    names: list[str] = []
    if isinstance(module_or_state_dict, torch.nn.Module):
        if activation is not None or output_activation is not None:
            raise ValueError(
                "from_torch reads the activations from the module itself; pass activation= "
                "and output_activation= only with a state dict"
            )
        found = _layers_of_module(module_or_state_dict)
        layers = [_layer_of_module(*f) for f in found]
        first = type(found[0][1]).__name__
        if input_shape is None and (first in _NEED_INPUT_SHAPE or not layers[0][0].input_shape):
            what = first if first == "ResidualBlock" else f"nn.{first}"
            example = "(1, 28, 28) for 28×28 grey images"
            if first == "RNN":
                example = "(T, n_in): T time steps of n_in numbers each"
            raise ValueError(
                f"from_torch needs input_shape= for a module that starts with {what}: one "
                f"sample's shape, e.g. input_shape={example} (a torch module does not record "
                "the size of its inputs)"
            )
        names = [f[0] for f in found]
    elif isinstance(module_or_state_dict, Mapping):
        layers = _dense_of_state_dict(module_or_state_dict)
        hidden = acts.get("sigmoid" if activation is None else activation)
        out = hidden if output_activation is None else acts.get(output_activation)
        for l, (layer, _) in enumerate(layers, start=1):
            layer.activation = out if l == len(layers) else hidden
    else:
        raise ValueError(
            "from_torch takes a torch.nn.Module or a state dict (module.state_dict()), got "
            f"{type(module_or_state_dict).__name__}"
        )
    arrays = list(_arrays([v for _, v in layers]))
    if dtype is None:
        dtype = np.float64 if arrays and all(v.dtype == np.float64 for v in arrays) else np.float32
    try:
        net = network_from(
            [ly for ly, _ in layers], [v for _, v in layers], cost, dtype, seed, input_shape
        )
    except ValueError as exc:
        if not names:
            raise
        raise ValueError(
            f"{exc} (glassnet's layers 1..{len(layers)} are modules {', '.join(names)})"
        ) from None
    for name, layer in zip(names, net.layers, strict=False):
        if isinstance(layer, Reshape) and len(layer.input_shape) != 1:
            raise ValueError(
                f"module {name!r} (nn.Unflatten) gets inputs of shape {layer.input_shape}; "
                "glassnet reads nn.Unflatten(1, shape) of flat rows only (its Reshape gives a "
                "whole sample a new shape): put nn.Flatten() before it"
            )
    return net
