"""Taking a network to other tools and back: ONNX, PyTorch and scikit-learn.

Every format here stores the same two things per layer l = 1..L: the weights W^(l) and the
biases b^(l), and names σ_l. Only the layout differs:

==================  ===========================  ==============================================
tool                W^(l) is stored as           so that
==================  ===========================  ==============================================
glassnet            ``net.W[l]``: (n_l, n_{l−1})  z^(l) = a^(l−1) W^(l)ᵀ + b^(l)
ONNX (Gemm)         initializer ``W.l``, same     ``Gemm(a, W, b, transB=1)`` = a Wᵀ + b
PyTorch nn.Linear   ``weight``: (out, in), same   ``F.linear(a, weight, bias)`` = a weightᵀ + b
scikit-learn MLP    ``coefs_[l-1]``: (in, out)    ``a @ coefs_[l-1] + intercepts_[l-1]``:
                    = W^(l)ᵀ, the transpose       the transpose of ours
==================  ===========================  ==============================================

What is exported is the function ``net.forward`` computes: dropout, which acts only inside
``fit``, and the l2/l1 penalties, which belong to the cost being trained, are not part of it.

None of these packages is needed by glassnet itself; each function imports its own when called
and says how to install it when it is missing (``pip install 'glassnet[onnx]'``,
``'glassnet[torch]'``, ``'glassnet[sklearn]'``).

>>> import numpy as np, glassnet as gn
>>> from glassnet.interop import from_sklearn, to_sklearn
>>> net = gn.Network.from_sizes([3, 4, 2], activation="tanh", output_activation="softmax",
...                             cost="cross_entropy", seed=0, dtype="float64")
>>> mlp = to_sklearn(net, kind="classifier")
>>> X = np.linspace(-1, 1, 6).reshape(2, 3)
>>> bool(np.allclose(mlp.predict_proba(X), net.forward(X)))
True
>>> bool((from_sklearn(mlp).W[1] == net.W[1]).all())
True
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike, NDArray

from . import activations as acts
from ._inputs import as_dtype
from .activations import Activation
from .costs import COSTS, Cost
from .layers import Dense
from .network import Network

if TYPE_CHECKING:
    import onnx
    import torch

Array = NDArray[np.floating[Any]]

__all__ = [
    "DEFAULT_OPSET",
    "from_sklearn",
    "from_torch",
    "to_onnx",
    "to_sklearn",
    "to_torch_module",
    "to_torch_state_dict",
]

#: The ONNX opset :func:`to_onnx` writes unless told otherwise (all the ops used exist in it).
DEFAULT_OPSET = 17
_MIN_OPSET = 13  # Softmax over the last axis alone (not a flattened 2-D view) needs opset 13


def _require(module: str, extra: str, what: str) -> Any:
    """Import an optional dependency, or say which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{what} needs {module.split('.')[0]}: pip install 'glassnet[{extra}]'"
        ) from exc


def _check_network(net: object, what: str) -> Network:
    if not isinstance(net, Network):
        raise ValueError(f"{what} takes a glassnet Network, got {type(net).__name__}")
    return net


# -- ONNX -----------------------------------------------------------------------------------------


def to_onnx(
    net: Network, path: str | os.PathLike[str] | None = None, opset: int = DEFAULT_OPSET
) -> onnx.ModelProto:
    """The network as an ONNX model of standard ops, checked with ``onnx.checker``.

    The graph has one input ``"x"`` of shape (batch, n_0), the batch size left free, and one
    output ``"a_L"`` of shape (batch, n_L), both in the network's dtype (float32 or float64).
    Each layer l is ``Gemm(a^(l−1), W.l, b.l, transB=1)`` → ``"z.l"`` followed by σ_l → ``"a.l"``;
    the initializers ``W.l`` (n_l, n_{l−1}) and ``b.l`` (n_l,) are ``net.W[l]`` and ``net.b[l]``
    exactly. Each activation writes its own node(s) (:meth:`Activation.onnx_nodes
    <glassnet.activations.Activation.onnx_nodes>`): the built-ins map to Sigmoid, Tanh, Relu,
    LeakyRelu, Elu, Selu, Softplus, Softmax (last axis) and Identity; silu is written as
    ``z · Sigmoid(z)`` and the exact gelu as ``z · ½ (1 + Erf(z/√2))``.

    Args:
        net: the network to export.
        path: if given, the model is also written there (``.onnx`` by convention).
        opset: the ONNX operator set version, 13 up to the newest the installed onnx knows.

    Returns:
        The ``onnx.ModelProto``.

    Raises:
        ValueError: an activation has no ONNX form (one of your own that states no
            ``onnx_op``), or a bad opset.
        ImportError: onnx is not installed.

    Note:
        onnxruntime's CPU kernels for float64 cover Gemm, Sigmoid, Tanh, Relu, LeakyRelu,
        Softmax, Identity and Mul (so silu), but not Elu, Selu, Softplus or Erf (gelu): a float64
        network with those gives a valid ONNX file that onnxruntime refuses to load. Export
        ``net.astype("float32")`` for it instead. ONNX stores the LeakyRelu/Elu ``alpha``
        attribute as a float32, so in float64 those differ from glassnet by about 1e-9.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.interop import to_onnx
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="gelu", seed=0)
        >>> model = to_onnx(net)
        >>> [node.op_type for node in model.graph.node][:6]
        ['Gemm', 'Div', 'Erf', 'Add', 'Mul', 'Mul']
        >>> [i.name for i in model.graph.input], [o.name for o in model.graph.output]
        (['x'], ['a_L'])
    """
    onnx = _require("onnx", "onnx", "ONNX export")
    from onnx import TensorProto, helper, numpy_helper

    net = _check_network(net, "to_onnx")
    newest = onnx.defs.onnx_opset_version()
    if not (type(opset) is int and _MIN_OPSET <= opset <= newest):
        raise ValueError(
            f"opset must be an integer from {_MIN_OPSET} to {newest} (the newest this onnx "
            f"knows), got {opset!r}; the default is {DEFAULT_OPSET}"
        )
    elem = TensorProto.DOUBLE if net.dtype == np.float64 else TensorProto.FLOAT
    graph = _OnnxGraph(net.dtype)
    a = "x"
    for l, layer in enumerate(net.dense_layers("exporting to ONNX"), start=1):
        graph.constant(f"W.{l}", layer.W)
        graph.constant(f"b.{l}", layer.b)
        z = f"z.{l}"
        graph.node("Gemm", [a, f"W.{l}", f"b.{l}"], z, transB=1)  # z^(l) = a^(l−1) W^(l)ᵀ + b^(l)
        a = "a_L" if l == net.L else f"a.{l}"
        try:
            layer.activation.onnx_nodes(graph, z, a)  # a^(l) = σ_l(z^(l))
        except ValueError as exc:
            raise ValueError(f"layer {l}: {exc}") from None

    onnx_graph = helper.make_graph(
        graph.nodes,
        "glassnet",
        inputs=[helper.make_tensor_value_info("x", elem, ["batch", net.sizes[0]])],
        outputs=[helper.make_tensor_value_info("a_L", elem, ["batch", net.sizes[-1]])],
        initializer=[numpy_helper.from_array(v, name=k) for k, v in graph.initializers.items()],
    )
    model = helper.make_model(
        onnx_graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="glassnet",
        doc_string=f"glassnet {net!r}",
    )
    # the oldest IR version that carries this opset, so that older runtimes can open the file
    opsets = list(model.opset_import)
    model.ir_version = min(model.ir_version, helper.find_min_ir_version_for(opsets))
    helper.set_model_props(model, {"glassnet.sizes": str(net.sizes)})
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save_model(model, os.fspath(path))
    return model


class _OnnxGraph:
    """The nodes and initializers of the graph being built, with fresh names for temporaries."""

    def __init__(self, dtype: np.dtype[Any]) -> None:
        self.dtype = dtype
        self.nodes: list[Any] = []
        self.initializers: dict[str, Array] = {}

    def constant(self, name: str, value: Any) -> str:
        self.initializers[name] = np.array(value, dtype=self.dtype)
        return name

    def node(self, op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        from onnx import helper

        self.nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output


# -- PyTorch --------------------------------------------------------------------------------------


def _torch_activation(act: Activation, l: int) -> Any:
    """The ``torch.nn`` module computing σ_l exactly as glassnet does: the one it names."""
    nn = _require("torch.nn", "torch", "PyTorch interop")
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


def to_torch_module(net: Network) -> torch.nn.Sequential:
    """The network as ``torch.nn.Sequential(Linear, σ_1, Linear, σ_2, …, Linear, σ_L)``.

    Module ``2(l−1)`` is layer l's ``nn.Linear(n_{l−1}, n_l)`` holding a copy of ``net.W[l]``
    as its weight (same (out, in) layout, no transpose) and ``net.b[l]`` as its bias, and module
    ``2(l−1)+1`` is σ_l, an identity layer included, so the indexes are regular. The module has
    the network's dtype and computes what ``net.forward`` does (softplus uses threshold 40, not
    PyTorch's 20, so that it is exact in float64). Its ``state_dict()`` is
    :func:`to_torch_state_dict`.

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
    """
    torch = _require("torch", "torch", "PyTorch interop")
    net = _check_network(net, "to_torch_module")
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    modules = []
    for l, layer in enumerate(net.dense_layers("exporting to PyTorch"), start=1):
        linear = torch.nn.Linear(layer.n_in, layer.n_out, bias=True, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.array(layer.W)))  # (out, in) = (n_l, n_{l−1})
            linear.bias.copy_(torch.from_numpy(np.array(layer.b)))
        modules += [linear, _torch_activation(layer.activation, l)]
    return torch.nn.Sequential(*modules)


def to_torch_state_dict(net: Network) -> dict[str, torch.Tensor]:
    """The weights as the ``state_dict`` of :func:`to_torch_module`'s ``nn.Sequential``.

    The keys are ``"{2(l−1)}.weight"`` = ``net.W[l]`` (shape (n_l, n_{l−1})) and
    ``"{2(l−1)}.bias"`` = ``net.b[l]`` for l = 1..L: ``"0.weight", "0.bias", "2.weight", …``,
    because the odd indexes are the (parameter-free) activation modules. The tensors are copies,
    in the network's dtype.

    Example:
        >>> import glassnet as gn
        >>> from glassnet.interop import to_torch_state_dict
        >>> net = gn.Network.from_sizes([4, 3, 2], seed=0)
        >>> {k: tuple(v.shape) for k, v in to_torch_state_dict(net).items()}
        {'0.weight': (3, 4), '0.bias': (3,), '2.weight': (2, 3), '2.bias': (2,)}
    """
    torch = _require("torch", "torch", "PyTorch interop")
    net = _check_network(net, "to_torch_state_dict")
    state: dict[str, Any] = {}
    for l, layer in enumerate(net.dense_layers("exporting to PyTorch"), start=1):
        state[f"{2 * (l - 1)}.weight"] = torch.from_numpy(np.ascontiguousarray(layer.W))
        state[f"{2 * (l - 1)}.bias"] = torch.from_numpy(np.array(layer.b))
    return state


def _activation_of_module(module: Any, index: str) -> Activation | None:
    """The glassnet activation a torch module computes; ``None`` for a no-op at inference.

    Every registered activation that names the module's class as its ``torch_module`` is asked
    whether it computes what the module does (its ``from_torch_module``).
    """
    nn = _require("torch.nn", "torch", "PyTorch interop")
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
        f"module {index} is {module!r}, which glassnet cannot represent; from_torch reads "
        f"nn.Linear layers, each followed by at most one of {names} (as glassnet computes "
        "them), and Dropout (ignored: it does nothing at inference)"
    )


def _layers_of_module(module: Any) -> list[tuple[Any, Any, Activation]]:
    """``(weight, bias, σ)`` of each nn.Linear in a module, in the order they run."""
    nn = _require("torch.nn", "torch", "PyTorch interop")
    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
    leaves = [
        (name, m)
        for name, m in module.named_modules()
        if not list(m.children()) and not isinstance(m, containers)
    ]
    found: list[tuple[Any, Any, Activation]] = []
    pending: tuple[Any, Any] | None = None
    act: Activation | None = None
    for name, m in leaves:
        if isinstance(m, nn.Linear):
            if pending is not None:
                found.append((*pending, act or acts.Identity()))
            pending, act = (m.weight, m.bias), None
            continue
        a = _activation_of_module(m, repr(name))
        if a is None:
            continue
        if pending is None:
            raise ValueError(
                f"module {name!r} ({m!r}) comes before any nn.Linear; a glassnet network starts "
                "with a weighted layer"
            )
        if act is not None:
            raise ValueError(
                f"module {name!r} ({m!r}) is a second activation after one nn.Linear; glassnet "
                "applies one σ per layer"
            )
        act = a
    if pending is None:
        raise ValueError(f"{type(module).__name__} holds no nn.Linear layer to read")
    found.append((*pending, act or acts.Identity()))
    return found


def _layers_of_state_dict(state: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """``(weight, bias)`` per layer, grouped by key prefix in the state dict's order."""
    groups: dict[str, dict[str, Any]] = {}
    for key, value in state.items():
        if not isinstance(key, str) or not key.endswith((".weight", ".bias", "weight", "bias")):
            raise ValueError(
                f"state dict key {key!r} is not a layer's 'weight' or 'bias'; from_torch reads "
                "the state dict of nn.Linear layers only (keys like '0.weight', '0.bias')"
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


def _as_numpy(tensor: Any, what: str) -> NDArray[Any]:
    torch = _require("torch", "torch", "PyTorch interop")
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"{what} must be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise ValueError(f"{what} must hold floating-point numbers, got {tensor.dtype}")
    t = tensor.detach().cpu()
    if t.dtype not in (torch.float32, torch.float64):
        t = t.to(torch.float32)  # float16 / bfloat16: widen
    return np.array(t.numpy())


def from_torch(
    module_or_state_dict: Any,
    activation: str | Activation | None = None,
    output_activation: str | Activation | None = None,
    cost: str | Cost = "quadratic",
    dtype: DTypeLike | None = None,
    seed: int | np.random.Generator | None = None,
) -> Network:
    """A glassnet Network holding the weights of PyTorch ``nn.Linear`` layers.

    ``nn.Linear.weight`` is (out, in), the same layout as ``net.W[l]``, so the weights are copied
    without a transpose.

    Args:
        module_or_state_dict: an ``nn.Module`` (usually ``nn.Sequential``) whose leaf modules
            are ``nn.Linear`` layers, each followed by at most one supported activation module
            (none means identity; ``nn.Dropout`` is skipped), or a ``state_dict`` of such
            layers: keys ``"<prefix>.weight"`` and ``"<prefix>.bias"``, layers in the dict's
            order. A layer without a bias gets b = 0.
        activation: σ of the hidden layers; only for a state dict, which does not record the
            activations (default ``"sigmoid"``, as ``Network.from_sizes``).
        output_activation: σ_L for a state dict; ``None``: the same as ``activation``.
        cost: the network's cost.
        dtype: ``"float32"`` or ``"float64"``; ``None`` keeps the tensors' (float64 if they are
            float64, else float32).
        seed: seeds the new network's random generator (used by ``fit`` for shuffling).

    Raises:
        ValueError: a module glassnet cannot represent, shapes that do not chain, or
            ``activation`` given together with a module (whose own activations are used).

    Example:
        >>> import torch, glassnet as gn
        >>> from glassnet.interop import from_torch
        >>> module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
        ...                              torch.nn.Linear(3, 1))
        >>> from_torch(module)
        Network([2, 3, 1], activations=[tanh, identity], cost=quadratic, dtype=float32)
        >>> from_torch(module.state_dict(), activation="tanh", output_activation="identity")
        Network([2, 3, 1], activations=[tanh, identity], cost=quadratic, dtype=float32)
    """
    torch = _require("torch", "torch", "PyTorch interop")
    if isinstance(module_or_state_dict, torch.nn.Module):
        if activation is not None or output_activation is not None:
            raise ValueError(
                "from_torch reads the activations from the module itself; pass activation= "
                "and output_activation= only with a state dict"
            )
        found = _layers_of_module(module_or_state_dict)
        pairs = [(W, b) for W, b, _ in found]
        sigmas = [a for _, _, a in found]
    elif isinstance(module_or_state_dict, Mapping):
        pairs = _layers_of_state_dict(module_or_state_dict)
        hidden = acts.get("sigmoid" if activation is None else activation)
        out = hidden if output_activation is None else acts.get(output_activation)
        sigmas = [hidden] * (len(pairs) - 1) + [out]
    else:
        raise ValueError(
            "from_torch takes a torch.nn.Module or a state dict (module.state_dict()), got "
            f"{type(module_or_state_dict).__name__}"
        )

    Ws: list[NDArray[Any]] = []
    bs: list[NDArray[Any]] = []
    for l, (W_t, b_t) in enumerate(pairs, start=1):
        W = _as_numpy(W_t, f"layer {l}'s weight")
        if W.ndim != 2:
            raise ValueError(
                f"layer {l}'s weight has shape {tuple(W.shape)}; an nn.Linear weight is "
                "(out_features, in_features)"
            )
        b = np.zeros(W.shape[0], W.dtype) if b_t is None else _as_numpy(b_t, f"layer {l}'s bias")
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"layer {l}'s bias has shape {tuple(b.shape)}, but its weight {tuple(W.shape)} "
                f"needs ({W.shape[0]},)"
            )
        if l > 1 and W.shape[1] != Ws[-1].shape[0]:
            raise ValueError(
                f"layer {l}'s weight takes {W.shape[1]} inputs, but layer {l - 1} has "
                f"{Ws[-1].shape[0]} outputs; the layers do not chain"
            )
        Ws.append(W)
        bs.append(b)
    if dtype is None:
        dtype = np.float64 if all(W.dtype == np.float64 for W in Ws) else np.float32
    return _network_from(Ws, bs, sigmas, cost, dtype, seed)


def _network_from(
    Ws: Sequence[Array],
    bs: Sequence[Array],
    sigmas: Sequence[Activation],
    cost: str | Cost,
    dtype: DTypeLike,
    seed: int | np.random.Generator | None,
) -> Network:
    """A Network with layers W^(l) (n_l, n_{l−1}), b^(l), σ_l, the weights copied in."""
    layers = [
        Dense(W.shape[1], W.shape[0], activation=sigma) for W, sigma in zip(Ws, sigmas, strict=True)
    ]
    net = Network(layers, cost=cost, seed=seed, dtype=as_dtype(dtype))
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ValueError(f"layer {l}'s weights or biases hold NaN or infinite values")
        net.W[l] = W
        net.b[l] = b
    return net


# -- scikit-learn ---------------------------------------------------------------------------------


def _from_sklearn_name(name: object) -> Activation | None:
    """The elementwise glassnet activation scikit-learn calls ``name`` (its ``sklearn_name``)."""
    found = acts.find(sklearn_name=name, elementwise=True) if isinstance(name, str) else []
    return acts.get(found[0]) if found else None


def from_sklearn(
    mlp: Any, dtype: DTypeLike | None = None, seed: int | np.random.Generator | None = None
) -> Network:
    """A glassnet Network equal to a fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor``.

    scikit-learn stores layer l's weights as ``coefs_[l-1]`` of shape (n_{l−1}, n_l), the
    transpose of ``net.W[l]``, so W^(l) = ``coefs_[l-1].T`` and b^(l) = ``intercepts_[l-1]``.
    The hidden activation maps logistic → sigmoid (identity, tanh, relu keep their names) and
    the output activation ``out_activation_`` softmax → softmax with cost ``cross_entropy``,
    logistic → sigmoid with ``binary_cross_entropy`` (the classifier's log-loss), identity →
    identity with ``quadratic`` (½‖a − y‖² per sample: scikit-learn's squared error for one
    output; for k outputs scikit-learn also divides by k).

    The network's ``forward(X)`` is the classifier's ``predict_proba(X)`` (for a binary
    classifier, its second column) or the regressor's ``predict(X)``.

    Args:
        mlp: a fitted ``MLPClassifier`` or ``MLPRegressor``.
        dtype: ``None`` keeps the dtype of ``coefs_`` (float64 unless it was fit on float32).
        seed: seeds the new network's random generator.

    Example:
        >>> import numpy as np
        >>> from sklearn.neural_network import MLPRegressor
        >>> from glassnet.interop import from_sklearn
        >>> X = np.linspace(0, 1, 20).reshape(10, 2)
        >>> mlp = MLPRegressor(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=500,
        ...                    random_state=0).fit(X, X.sum(axis=1))
        >>> net = from_sklearn(mlp)
        >>> net
        Network([2, 3, 1], activations=[relu, identity], cost=quadratic, dtype=float64)
        >>> bool(np.allclose(net.forward(X)[:, 0], mlp.predict(X)))
        True
    """
    coefs = getattr(mlp, "coefs_", None)
    intercepts = getattr(mlp, "intercepts_", None)
    out_name = getattr(mlp, "out_activation_", None)
    hidden_name = getattr(mlp, "activation", None)
    if coefs is None or intercepts is None or out_name is None:
        raise ValueError(
            f"from_sklearn takes a fitted MLPClassifier or MLPRegressor; this "
            f"{type(mlp).__name__} has no coefs_/intercepts_/out_activation_ (call fit first)"
        )
    hidden_act = _from_sklearn_name(hidden_name)
    if hidden_act is None:
        raise ValueError(f"unknown scikit-learn activation {hidden_name!r}")
    # scikit-learn's loss for each output activation, as glassnet's cost (its sklearn_output)
    losses = {cls.sklearn_output: name for name, cls in COSTS.items() if cls.sklearn_output}
    out_acts = acts.find(sklearn_name=out_name) if isinstance(out_name, str) else []
    if out_name not in losses or not out_acts:
        raise ValueError(
            f"out_activation_ {out_name!r} has no glassnet equivalent here; from_sklearn "
            f"reads {', '.join(losses)} outputs (a Poisson regressor's 'exp' is not one)"
        )
    out_act, cost = out_acts[0], losses[out_name]
    Ws = [np.asarray(c).T for c in coefs]  # W^(l) = coefs_[l-1]ᵀ: (n_l, n_{l−1})
    bs = [np.asarray(b) for b in intercepts]
    if dtype is None:
        dtype = np.float32 if all(W.dtype == np.float32 for W in Ws) else np.float64
    sigmas = [hidden_act] * (len(Ws) - 1) + [acts.get(out_act)]
    return _network_from(Ws, bs, sigmas, cost, dtype, seed)


def to_sklearn(net: Network, kind: str = "classifier", classes: Any = None) -> Any:
    """A fitted scikit-learn MLP with the network's weights: predict/predict_proba work at once.

    ``coefs_[l-1]`` is ``net.W[l].T`` (scikit-learn's (in, out) layout) and ``intercepts_[l-1]``
    is ``net.b[l]``, in the network's dtype. scikit-learn applies one activation to every hidden
    layer, from identity, sigmoid (its "logistic"), tanh and relu.

    Args:
        net: the network.
        kind: ``"classifier"``: an ``MLPClassifier``, whose output must be softmax (n_L ≥ 2
            classes) or sigmoid (one neuron: two classes; k neurons: k labels, multi-label);
            ``"regressor"``: an ``MLPRegressor``, whose output must be identity (what
            scikit-learn's regressor uses; another output is refused).
        classes: a classifier's class labels, in the order of the output neurons (a single
            sigmoid neuron stands for ``classes[1]``); default ``0, 1, …``.

    Returns:
        The estimator, with ``coefs_``, ``intercepts_``, ``n_features_in_``, ``n_outputs_``,
        ``n_layers_``, ``out_activation_`` and for a classifier ``classes_`` set. It was not
        trained by scikit-learn, so ``loss_curve_`` and the like are absent.

    Example:
        >>> import numpy as np, glassnet as gn
        >>> from glassnet.interop import to_sklearn
        >>> net = gn.Network.from_sizes([2, 3, 1], activation="relu", output_activation="identity",
        ...                             seed=0, dtype="float64")
        >>> mlp = to_sklearn(net, kind="regressor")
        >>> X = np.array([[0.5, -1.0], [1.0, 2.0]])
        >>> bool(np.allclose(mlp.predict(X), net.forward(X)[:, 0]))
        True
    """
    nn = _require("sklearn.neural_network", "sklearn", "scikit-learn interop")
    preprocessing = _require("sklearn.preprocessing", "sklearn", "scikit-learn interop")
    net = _check_network(net, "to_sklearn")
    if kind not in ("classifier", "regressor"):
        raise ValueError(f"kind must be 'classifier' or 'regressor', got {kind!r}")
    hidden = [layer.activation for layer in net.layers[:-1]]
    names = {a.sklearn_name if a.elementwise else None for a in hidden}
    if None in names or len(names) > 1:
        known = [n for n in acts.find(elementwise=True) if acts.get(n).sklearn_name is not None]
        raise ValueError(
            f"scikit-learn's MLP uses one activation for all hidden layers, one of "
            f"{', '.join(known)} (the activations that state an sklearn_name); this network's "
            f"hidden layers use {hidden}"
        )
    hidden_name = names.pop() if names else "relu"  # no hidden layer: the choice is unused
    out = net.layers[-1].activation
    n_out = net.sizes[-1]
    out_name = out.sklearn_name  # scikit-learn's out_activation_: softmax, logistic, identity

    if kind == "regressor":
        if out_name != "identity":
            raise ValueError(
                f"an MLPRegressor's output layer is the identity, but this network's is {out!r}; "
                "use kind='classifier' for a softmax or sigmoid output"
            )
        mlp = nn.MLPRegressor(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=hidden_name)
    else:
        if out_name == "softmax":
            n_classes = n_out
        elif out_name == "logistic":
            n_classes = 2 if n_out == 1 else n_out
        else:
            raise ValueError(
                f"an MLPClassifier's output layer is softmax or sigmoid, but this network's is "
                f"{out!r}; use kind='regressor' for an identity output"
            )
        labels = np.arange(n_classes) if classes is None else np.asarray(classes)
        if labels.ndim != 1 or len(labels) != n_classes or len(np.unique(labels)) != n_classes:
            raise ValueError(
                f"classes must list {n_classes} distinct labels, one per class of the output "
                f"layer ({out!r} with {n_out} neurons); got {classes!r}"
            )
        mlp = nn.MLPClassifier(hidden_layer_sizes=tuple(net.sizes[1:-1]), activation=hidden_name)
        binarizer = preprocessing.LabelBinarizer()
        if out_name == "logistic" and n_out > 1:  # multi-label: one yes/no per neuron
            binarizer.fit(np.vstack([np.zeros(n_out, int), np.ones(n_out, int)]))
            labels = np.arange(n_out)
        else:
            binarizer.fit(labels)
            labels = binarizer.classes_
        mlp._label_binarizer = binarizer
        mlp.classes_ = labels
    dense = net.dense_layers("exporting to scikit-learn")
    mlp.coefs_ = [np.array(layer.W.T) for layer in dense]  # (n_{l−1}, n_l) = W^(l)ᵀ
    mlp.intercepts_ = [np.array(layer.b) for layer in dense]
    mlp.n_features_in_ = net.sizes[0]
    mlp.n_outputs_ = n_out
    mlp.n_layers_ = net.L + 1
    mlp.out_activation_ = out_name
    mlp.n_iter_ = 0
    mlp.t_ = 0
    return mlp
