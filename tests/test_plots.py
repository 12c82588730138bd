"""The pictures: each is rendered to PNG (Agg) and checked for content, counts and values."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import cli, plots

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def render(fig: Any, tmp_path: Path, name: str = "picture.png") -> np.ndarray:
    """Save ``fig`` as a PNG, read it back, check that it shows something, return its pixels."""
    path = tmp_path / name
    fig.savefig(path, dpi=50)
    return assert_not_blank(path)


def assert_not_blank(path: Path) -> np.ndarray:
    rgb = matplotlib.image.imread(path)[..., :3]
    assert rgb.std() > 0.03, f"{path.name} is (nearly) one colour"
    colours = np.unique((rgb * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 20, f"{path.name} has only {len(colours)} colours"
    return rgb


def trained_moons(hidden: tuple[int, ...] = (5, 3)) -> tuple[gn.Network, Any, Any]:
    data = gn.datasets.load("moons", n_samples=80, seed=0)
    net = gn.Network.from_sizes([2, *hidden, 1], activation="tanh", output_activation="sigmoid",
                                seed=0, dtype="float64")  # fmt: skip
    history = net.fit(data.X_train, data.y_train, epochs=8, optimizer=gn.SGD(lr=1.0), verbose=0,
                      validation_data=(data.X_test, data.y_test), seed=0)  # fmt: skip
    return net, data, history


def factor_values(ax: Any) -> list[float]:
    return [float(t.get_text().split("= ")[-1]) for t in ax.texts if t.get_gid() == "factor"]


# -- optional dependency ----------------------------------------------------------------------


def test_importing_glassnet_plots_does_not_import_matplotlib() -> None:
    code = "import sys, glassnet, glassnet.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_without_matplotlib_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes ``import matplotlib`` fail
    with pytest.raises(ImportError, match=re.escape("pip install 'glassnet[plot]'")):
        plots.plot_network(gn.Network.from_sizes([2, 2, 1], seed=0))
    with pytest.raises(ImportError, match="plots need matplotlib"):
        plots.plot_history({"loss": [1.0, 0.5]})
    model = tmp_path / "m.safetensors"
    gn.save(gn.Network.from_sizes([2, 2, 1], seed=0), model)
    assert cli.main(["plot", str(model), "-o", str(tmp_path / "x.png")]) == 2
    assert not (tmp_path / "x.png").exists()


def test_require_matplotlib_gives_the_module_or_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert plots.require_matplotlib() is sys.modules["matplotlib"]
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=re.escape(plots.INSTALL_HINT)):
        plots.require_matplotlib()


# -- training curves --------------------------------------------------------------------------


def test_history_draws_training_and_validation_curves(tmp_path: Path) -> None:
    _, _, history = trained_moons()
    ax = plots.plot_history(history)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["training loss", "validation loss"]
    np.testing.assert_allclose(lines[0].get_ydata(), history.loss)
    np.testing.assert_allclose(lines[1].get_ydata(), history.val_loss)
    np.testing.assert_array_equal(lines[0].get_xdata(), np.arange(1, history.epochs + 1))
    render(ax.figure, tmp_path)

    ax = plots.plot_history(history, metric="both")
    both = [line for a in ax.figure.axes for line in a.get_lines()]
    assert len(both) == 4
    accuracy = next(line for line in both if line.get_label() == "validation accuracy")
    np.testing.assert_allclose(accuracy.get_ydata(), history.val_accuracy)
    render(ax.figure, tmp_path)

    ax = plots.plot_history(history, metric="accuracy")
    assert len(ax.get_lines()) == 2


def test_history_from_a_mapping_or_json_and_without_validation() -> None:
    ax = plots.plot_history(json.dumps({"loss": [3.0, 2.0, 1.0], "val_loss": []}))
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), [3.0, 2.0, 1.0])


@pytest.mark.parametrize(
    ("history", "metric", "message"),
    [
        ({"loss": [1.0]}, "cost", "metric must be"),
        ({"loss": []}, "loss", "no loss"),
        ({"loss": [1.0, 0.5]}, "accuracy", "no accuracy"),
        ({"loss": [1.0, 0.5]}, "both", "no accuracy"),
        ("{not json", "loss", "not JSON"),
    ],
)
def test_history_refuses_what_it_cannot_draw(history: Any, metric: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plots.plot_history(history, metric=metric)


# -- the network diagram ----------------------------------------------------------------------


def weight_lines(ax: Any) -> list[LineCollection]:
    return [c for c in ax.collections if isinstance(c, LineCollection)]


def test_network_draws_every_neuron_and_weight_with_width_and_colour_from_w(
    tmp_path: Path,
) -> None:
    net = gn.Network.from_sizes([3, 4, 2], seed=1, dtype="float64")
    ax = plots.plot_network(net)
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 3 + 4 + 2
    layers = weight_lines(ax)
    assert [c.get_gid() for c in layers] == ["W^(1)", "W^(2)"]
    assert [len(c.get_segments()) for c in layers] == [4 * 3, 2 * 4]

    widths = np.concatenate([c.get_linewidths() for c in layers])
    weights = np.concatenate([net.W[1].ravel(), net.W[2].ravel()])  # segments go row by row
    assert np.argmax(widths) == np.argmax(np.abs(weights))  # the thickest line is the largest |w|
    order = np.argsort(np.abs(weights))
    assert np.all(np.diff(widths[order]) > 0)  # width grows with |w|
    colours = np.concatenate([c.get_colors() for c in layers])
    redder = colours[:, 0] > colours[:, 2]
    np.testing.assert_array_equal(redder[weights != 0], weights[weights != 0] > 0)
    # segment (j, k) of layer 1 runs from neuron k of layer 0 to neuron j of layer 1
    start, end = layers[0].get_segments()[1 * 3 + 2]  # j = 1, k = 2
    assert end[0] > start[0]
    centre = {p.get_gid(): p.center for p in circles}
    assert start[1] == pytest.approx(centre["a^(0)_2"][1])
    assert end[1] == pytest.approx(centre["a^(1)_1"][1])
    render(ax.figure, tmp_path)


def test_network_shows_a_sample_s_activations() -> None:
    net = gn.Network.from_sizes([3, 4, 2], seed=1, dtype="float64")
    x = np.array([0.2, -1.0, 0.5])
    ax = plots.plot_network(net, x)
    a = net.trace(x[None, :], np.zeros((1, 2))).a
    labels = {float(t.get_text()) for t in ax.texts if re.fullmatch(r"-?\d\.\d\d", t.get_text())}
    expected = {round(float(v), 2) for l in range(net.L + 1) for v in a[l][0]}
    assert labels == expected  # small network: every value written in its neuron
    fills = {p.get_gid(): p.get_facecolor() for p in ax.patches if isinstance(p, Circle)}
    assert len(set(fills.values())) > 3
    values = {f"a^({l})_{j}": a[l][0, j] for l in range(net.L + 1) for j in range(net.sizes[l])}
    cmap = matplotlib.colormaps["viridis"]  # the lowest activation darkest, the highest brightest
    assert fills[min(values, key=values.__getitem__)] == pytest.approx(cmap(0.0))
    assert fills[max(values, key=values.__getitem__)] == pytest.approx(cmap(1.0))
    assert not any(
        re.fullmatch(r"-?\d\.\d\d", t.get_text())
        for t in plots.plot_network(net, x, labels=False).texts
    )


def test_network_caps_big_layers(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([784, 30, 10], seed=0)
    ax = plots.plot_network(net, max_neurons=10)
    assert sum(isinstance(p, Circle) for p in ax.patches) == 10 + 10 + 10
    assert [len(c.get_segments()) for c in weight_lines(ax)] == [10 * 10, 10 * 10]
    assert {"⋮ 774", "⋮ 20"} <= {t.get_text() for t in ax.texts}
    drawn = {p.get_gid() for p in ax.patches}
    assert {"a^(0)_0", "a^(0)_4", "a^(0)_779", "a^(0)_783"} <= drawn
    assert "a^(0)_5" not in drawn
    render(ax.figure, tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros(3)}, "x has 3 features"),
        ({"x": np.zeros((2, 2))}, "one sample"),
        ({"labels": True}, "pass x"),
        ({"max_neurons": 1}, "at least 2"),
    ],
)
def test_network_refuses_bad_input(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plots.plot_network(gn.Network.from_sizes([2, 3, 1], seed=0), **kwargs)


def test_a_non_network_is_refused() -> None:
    with pytest.raises(ValueError, match=r"expected a glassnet\.Network"):
        plots.plot_network([[1.0]])  # type: ignore[arg-type]


# -- the backward graph -----------------------------------------------------------------------


def gids(ax: Any, gid: str) -> int:
    return sum(a.get_gid() == gid for a in [*ax.patches, *ax.texts])


def test_backward_graph_has_a_node_per_quantity_and_an_edge_per_factor(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([3, 4, 3, 2], seed=0)
    ax = plots.plot_backward_graph(net, 1, 2, 0)
    # w, z^(1)_2, a^(1)_2, z^(2) ×3, a^(2) ×3, z^(3) ×2, a^(3) ×2, C
    assert gids(ax, "node") == 1 + 1 + 1 + 3 + 3 + 2 + 2 + 1
    # w→z, z→a, a^(1)_2→z^(2)_i, z→a ×3, a^(2)_p→z^(3)_i ×6, z→a ×2, a^(3)→C ×2
    assert gids(ax, "edge") == 1 + 1 + 3 + 3 + 6 + 2 + 2
    nodes = [t.get_text().split("\n")[0] for t in ax.texts if t.get_gid() == "node"]
    assert nodes[:3] == ["$w^{(1)}_{20}$", "$z^{(1)}_{2}$", "$a^{(1)}_{2}$"]
    assert nodes[-1] == "$C$"
    render(ax.figure, tmp_path)

    last = plots.plot_backward_graph(net, -1, 1, 2)  # l = L: w → z → a → C
    assert gids(last, "node") == 4
    assert gids(last, "edge") == 3


def test_backward_graph_factors_multiply_to_the_gradient() -> None:
    """One neuron per layer, four layers: the tutorial's ∂C/∂w^(1) as one product of factors."""
    net = gn.Network.from_sizes([1, 1, 1, 1], seed=3, dtype="float64")
    x, y = np.array([0.7]), np.array([0.2])
    ax = plots.plot_backward_graph(net, 1, 0, 0, x=x, y=y)
    factors = factor_values(ax)
    assert len(factors) == 7  # a^(0), σ'(z^(1)), w^(2), σ'(z^(2)), w^(3), σ'(z^(3)), ∂C/∂a^(3)
    t = net.trace(x[None, :], y[None, :])
    assert factors[0] == pytest.approx(x[0], rel=1e-2)
    assert factors[2] == pytest.approx(net.W[2][0, 0], rel=1e-2)
    assert factors[-1] == pytest.approx(t.dC_da[3][0, 0], rel=1e-2)
    gradient = net.gradients(x[None, :], y[None, :]).W[1][0, 0]
    assert np.prod(factors) == pytest.approx(gradient, rel=2e-2)
    assert f"{gradient:.6g}" in ax.get_title()
    nodes = [t.get_text() for t in ax.texts if t.get_gid() == "node"]
    assert nodes[-1].endswith(f"{t.cost:.3g}")


def test_backward_graph_path_sum_with_two_paths_and_a_penalty() -> None:
    net = gn.Network.from_sizes([2, 1, 2, 1], seed=5, dtype="float64", l2=0.3)
    x, y = np.array([0.4, -0.9]), np.array([1.0])
    ax = plots.plot_backward_graph(net, 1, 0, 1, x=x, y=y)
    f = factor_values(ax)
    # order: a^(0)_1, σ'(z^(1)_0), w^(2)_00, w^(2)_10, σ'(z^(2)_0), σ'(z^(2)_1), w^(3)_00,
    # w^(3)_01, σ'(z^(3)_0), ∂C/∂a^(3)_0, then the penalty λ₂ w
    assert len(f) == 11
    paths = f[0] * f[1] * (f[2] * f[4] * f[6] + f[3] * f[5] * f[7]) * f[8] * f[9]
    assert f[10] == pytest.approx(0.3 * net.W[1][0, 1], rel=1e-2)
    gradient = net.gradients(x[None, :], y[None, :]).W[1][0, 1]
    assert paths + f[10] == pytest.approx(gradient, rel=3e-2, abs=1e-3)
    assert gids(ax, "edge") == 11


def test_backward_graph_through_softmax_reaches_every_output() -> None:
    net = gn.Network.from_sizes([2, 3], activation="softmax", cost="cross_entropy", seed=0)
    ax = plots.plot_backward_graph(net, 1, 1, 0, x=np.array([0.5, 0.5]), y=2)
    assert gids(ax, "edge") == 1 + 3 + 3  # w → z_1, z_1 → a_p for every p, a_p → C
    jacobian = [
        t.get_text() for t in ax.texts if t.get_gid() == "factor" and "partial z" in t.get_text()
    ]
    assert len(jacobian) == 3


def test_backward_graph_caps_big_layers_and_labels_few_edges() -> None:
    net = gn.Network.from_sizes([64, 30, 10], seed=0)
    ax = plots.plot_backward_graph(net, 1, 3, 20, max_neurons=4, max_labels=5)
    assert gids(ax, "node") == 3 + 4 + 4 + 1
    assert gids(ax, "edge") == 2 + 4 + 4 + 4
    assert gids(ax, "factor") == 2 + 4  # only w → a^(1) and the edges into C
    assert "⋮ 6 more" in {t.get_text() for t in ax.texts}
    assert "{3,20}" in ax.texts[0].get_text()  # w^(1)_{3,20}: the indexes stay apart


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((0, 0, 0), {}, "l must be a layer with weights"),
        ((3, 0, 0), {}, "l must be a layer with weights"),
        ((1, 3, 0), {}, "j must be a neuron of layer 1"),
        ((1, 0, 2), {}, "k must be a neuron of layer 0"),
        ((1.0, 0, 0), {}, "l must be an integer"),
        ((1, 0, 0), {"x": np.zeros(2)}, "give both x and y"),
        ((1, 0, 0), {"x": np.zeros((2, 2)), "y": [1, 0]}, "one sample"),
        ((1, 0, 0), {"x": np.zeros(2), "y": [0.5, 0.5, 0.5]}, "Y has 3 columns"),
    ],
)
def test_backward_graph_refuses_bad_input(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    net = gn.Network.from_sizes([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=message):
        plots.plot_backward_graph(net, *args, **kwargs)


# -- the plane of a 2-D input -----------------------------------------------------------------


def test_decision_boundary_shows_the_output_over_the_plane(tmp_path: Path) -> None:
    net, data, _ = trained_moons()
    ax = plots.plot_decision_boundary(net, data.X_test, data.y_test, resolution=30)
    (image,) = ax.images
    Z = np.asarray(image.get_array())
    assert Z.shape == (30, 30)
    x0, x1, y0, y1 = image.get_extent()
    corners = net.predict(np.array([[x0, y0], [x1, y0], [x0, y1], [x1, y1]]))[:, 0]
    np.testing.assert_allclose([Z[0, 0], Z[0, -1], Z[-1, 0], Z[-1, -1]], corners, rtol=1e-6)
    assert x0 < data.X_test[:, 0].min() and data.X_test[:, 0].max() < x1
    points = ax.collections[-1]
    np.testing.assert_allclose(points.get_offsets(), data.X_test)
    render(ax.figure, tmp_path)


def test_decision_boundary_of_several_classes_colours_the_argmax(tmp_path: Path) -> None:
    data = gn.datasets.load("blobs", n_samples=60, centers=3, seed=0)
    net = gn.Network.from_sizes([2, 6, 3], activation="relu", output_activation="softmax",
                                cost="cross_entropy", seed=0)  # fmt: skip
    ax = plots.plot_decision_boundary(net, data.X_train, data.y_train, resolution=20)
    rgba = np.asarray(ax.images[0].get_array())
    assert rgba.shape == (20, 20, 4)
    x0, _, y0, _ = ax.images[0].get_extent()
    winner = int(np.argmax(net.predict(np.array([[x0, y0]]))))
    np.testing.assert_allclose(rgba[0, 0, :3], matplotlib.colormaps["tab10"](winner)[:3])
    render(ax.figure, tmp_path)


@pytest.mark.parametrize(
    ("sizes", "X", "y", "resolution", "message"),
    [
        ([3, 2, 1], np.zeros((4, 3)), np.zeros(4), 20, "2 inputs"),
        ([2, 2, 1], np.zeros((4, 2)), np.zeros(3), 20, "one label"),
        ([2, 2, 1], np.zeros((4, 3)), np.zeros(4), 20, "3 features"),
        ([2, 2, 1], np.zeros((4, 2)), np.zeros(4), 1, "resolution"),
        ([2, 2, 3], np.zeros((4, 2)), np.array([0, 1, 2, 3]), 20, "outside 0..2"),
    ],
)
def test_decision_boundary_refuses_bad_input(
    sizes: list[int], X: Any, y: Any, resolution: int, message: str
) -> None:
    net = gn.Network.from_sizes(sizes, seed=0)
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(net, X, y, resolution=resolution)


def test_neuron_maps_show_each_hidden_neuron(tmp_path: Path) -> None:
    net, data, _ = trained_moons(hidden=(5, 3))
    axes = plots.plot_neuron_maps(net, data.X_train, resolution=12)
    assert axes.shape == (5, 2)
    images = [ax.images[0] for ax in axes.T.flat if ax.images]
    assert len(images) == 5 + 3
    x0, _, y0, _ = images[0].get_extent()
    a = net.trace(np.array([[x0, y0]]), np.zeros((1, 1))).a
    maps = [np.asarray(im.get_array())[0, 0] for im in images]  # bottom-left corner of each
    np.testing.assert_allclose(maps, np.concatenate([a[1][0], a[2][0]]), rtol=1e-6)
    assert [ax.get_title() for ax in axes[:, 1]][:3] == [f"$a^{{(2)}}_{{{j}}}$" for j in range(3)]
    render(axes[0, 0].figure, tmp_path)

    more = plots.plot_neuron_maps(net, include_output=True, resolution=8, max_neurons=4)
    assert sum(len(ax.images) for ax in more.flat) == 4 + 3 + 1


def test_neuron_maps_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="no hidden layers"):
        plots.plot_neuron_maps(gn.Network.from_sizes([2, 1], seed=0))
    with pytest.raises(ValueError, match="2 inputs"):
        plots.plot_neuron_maps(gn.Network.from_sizes([3, 2, 1], seed=0))
    with pytest.raises(ValueError, match="extent"):
        plots.plot_neuron_maps(gn.Network.from_sizes([2, 2, 1], seed=0), extent=(1, 0, 0, 1))


# -- images, gradients and histograms ---------------------------------------------------------


def test_first_layer_weights_as_images(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([784, 30, 10], seed=0, dtype="float64")
    axes = plots.plot_first_layer_weights(net, max_neurons=10)
    images = [ax.images[0] for ax in axes.flat if ax.images]
    assert len(images) == 10
    assert axes.size >= 10 and sum(ax.axison for ax in axes.flat) == 10
    np.testing.assert_array_equal(images[7].get_array(), net.W[1][7].reshape(28, 28))
    render(axes.flat[0].figure, tmp_path)

    small = gn.Network.from_sizes([6, 4, 1], seed=0)
    axes = plots.plot_first_layer_weights(small, shape=(2, 3))
    assert sum(len(ax.images) for ax in axes.flat) == 4  # fewer neurons than max_neurons
    assert np.asarray(axes.flat[0].images[0].get_array()).shape == (2, 3)


def test_first_layer_weights_refuse_a_wrong_shape() -> None:
    net = gn.Network.from_sizes([6, 4, 1], seed=0)
    with pytest.raises(ValueError, match="not a square image"):
        plots.plot_first_layer_weights(net)
    with pytest.raises(ValueError, match="height · width = n_0 = 6"):
        plots.plot_first_layer_weights(net, shape=(2, 2))


def test_gradient_flow_draws_the_norm_and_mean_delta_of_every_layer(tmp_path: Path) -> None:
    net, data, _ = trained_moons(hidden=(4, 4))
    X, y = data.X_train, data.y_train
    ax = plots.plot_gradient_flow(net, X, y)
    norm, delta = ax.get_lines()
    np.testing.assert_array_equal(norm.get_xdata(), [1, 2, 3])
    expected = [w for w, _ in net.gradients(X, y).norms().values()]
    np.testing.assert_allclose(norm.get_ydata(), expected, rtol=1e-10)
    t = net.trace(X, y)
    np.testing.assert_allclose(delta.get_ydata(), [np.abs(t.delta[l]).mean() for l in (1, 2, 3)])
    assert ax.get_yscale() == "log"
    render(ax.figure, tmp_path)
    with pytest.raises(ValueError, match="rows"):
        plots.plot_gradient_flow(net, X, y[:5])


def test_activation_histograms_one_per_hidden_layer(tmp_path: Path) -> None:
    net = gn.Network.from_sizes([2, 5, 4, 3, 1], activation="relu", seed=0)
    X = np.random.default_rng(0).normal(size=(50, 2))
    axes = plots.plot_activation_histograms(net, X, bins=12)
    assert len(axes) == 3
    t = net.trace(X, np.zeros(50))
    for l, ax in enumerate(axes, start=1):
        heights = [bar.get_height() for bar in ax.patches]
        assert len(heights) == 12
        assert sum(heights) == 50 * net.sizes[l]  # every a^(l)_ij counted once
        dead = 100 * float(np.mean(t.a[l] == 0))
        assert f"{dead:.0f} % exactly 0" in ax.get_title()
    render(axes[0].figure, tmp_path)
    assert len(plots.plot_activation_histograms(net, X, include_output=True)) == 4
    with pytest.raises(ValueError, match="no hidden layers"):
        plots.plot_activation_histograms(gn.Network.from_sizes([2, 1], seed=0), X)


# -- glassnet plot ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    net, _, history = trained_moons()
    path = tmp_path_factory.mktemp("model") / "moons.safetensors"
    meta = {
        "dataset": "moons",
        "history": json.dumps(
            {
                "loss": history.loss,
                "val_loss": history.val_loss,
                "accuracy": history.accuracy,
                "val_accuracy": history.val_accuracy,
            }
        ),
    }
    gn.save(net, path, metadata=meta)
    return path


@pytest.mark.parametrize("kind", plots.KINDS)
def test_cli_draws_every_kind(
    kind: str, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"{kind}.png"
    extra = ["--shape", "1", "2"] if kind == "weights" else ["--samples", "100"]
    assert (
        cli.main(["plot", str(model), "--kind", kind, "-o", str(out), "--dpi", "40", *extra]) == 0
    )
    assert f"saved the {kind} picture to {out}" in capsys.readouterr().out
    assert_not_blank(out)


def test_cli_backward_for_one_sample_and_weight(model: Path, tmp_path: Path) -> None:
    out = tmp_path / "b.svg"
    argv = ["plot", str(model), "--kind", "backward", "--sample", "3", "--weight", "2", "1", "4"]
    assert cli.main([*argv, "-o", str(out)]) == 0
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and svg.count("<path") > 30


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kind", "weights"], "not a square image"),
        (["--kind", "backward", "--weight", "4", "0", "0"], "l must be a layer"),
        (["--kind", "network", "--sample", "99999"], "sample must be a row number"),
        (["--kind", "gradients", "--dataset", "sine"], "1 features but the model expects 2"),
        (["--kind", "boundary", "--dataset", "nope"], "unknown data set"),
        (["-o", "picture.xyz"], "not supported"),
    ],
)
def test_cli_mistakes_are_one_sentence_and_exit_2(
    argv: list[str], message: str, model: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert cli.main(["plot", str(model), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_cli_history_needs_a_history_and_data_needs_a_dataset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "bare.safetensors"
    gn.save(gn.Network.from_sizes([2, 3, 1], seed=0), bare)
    assert cli.main(["plot", str(bare), "--kind", "history"]) == 2
    assert "holds no training history" in capsys.readouterr().err
    assert cli.main(["plot", str(bare), "--kind", "gradients"]) == 2
    assert "pass --dataset" in capsys.readouterr().err
    out = tmp_path / "maps.png"  # neuron maps need no data
    assert cli.main(["plot", str(bare), "--kind", "neurons", "-o", str(out)]) == 0
    assert_not_blank(out)


def test_cli_default_output_name_and_subprocess(model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "glassnet", "plot", str(model), "--dpi", "30"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert_not_blank(tmp_path / "moons-network.png")


def test_plot_activations_draws_glassnets_own_sigma_and_derivative(tmp_path: Path) -> None:
    fig = plt.figure()
    axes = plots.plot_activations(fig=fig)
    names = [ax.get_title() for ax in axes]
    assert names == [n for n in gn.activations.ACTIVATIONS if n != "softmax"]
    render(fig, tmp_path)
    sigmoid = axes[names.index("sigmoid")]
    z, a = (np.asarray(v) for v in sigmoid.lines[1].get_data())  # lines[0] is the axis at 0
    _, prime = (np.asarray(v) for v in sigmoid.lines[2].get_data())
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(prime, a * (1 - a), rtol=1e-12)  # σ' = σ(1 − σ)
    relu = plots.plot_activations(["relu"], fig=plt.figure(), z_range=(-1, 1), points=5)[0]
    np.testing.assert_array_equal(relu.lines[2].get_data()[1], [0, 0, 0, 1, 1])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activations": ["softmax"]}, "softmax is not elementwise"),
        ({"activations": []}, "activations is empty"),
        ({"activations": ["nope"]}, "unknown activation"),
        ({"z_range": (1, -1)}, "lo < hi"),
        ({"points": 1}, "at least 2"),
    ],
)
def test_plot_activations_rejects_what_it_cannot_draw(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plots.plot_activations(fig=plt.figure(), **kwargs)


# -- images: kernels, feature maps, saliency ---------------------------------------------------


def image_net() -> tuple[gn.Network, np.ndarray]:
    """Conv2D(2 → 3, 3×3) → MaxPool2D(2) → Flatten → Dense(·, 2) on 2×8×7 images."""
    layers = [gn.Conv2D(2, 3, 3, padding=1), gn.MaxPool2D(2), gn.Flatten(), gn.Dense(36, 2)]
    net = gn.Network(layers, input_shape=(2, 8, 7), cost="mse", seed=0, dtype="float64")
    return net, np.random.default_rng(0).normal(size=(2, 8, 7))


def test_plot_filters_draws_every_kernel(tmp_path: Path) -> None:
    net, _ = image_net()
    axes = plots.plot_filters(net, 1)
    assert axes.shape == (3, 2)
    for o in range(3):
        for i in range(2):
            assert np.array_equal(axes[o, i].images[0].get_array(), net.W[1][o, i])
    render(axes[0, 0].figure, tmp_path)
    axes = plots.plot_filters(net, 1, max_filters=2, max_inputs=1)
    assert axes.shape == (2, 1)


def test_plot_feature_maps_draws_one_panel_per_channel(tmp_path: Path) -> None:
    net, x = image_net()
    axes = plots.plot_feature_maps(net, x, 1)
    shown = [ax for ax in axes.flat if ax.images]
    a1 = net.forward_pass(x[None])[0][1][0]
    assert len(shown) == 3
    for c, ax in enumerate(shown):
        assert np.allclose(ax.images[0].get_array(), a1[c])
    render(axes.flat[0].figure, tmp_path)
    pooled = plots.plot_feature_maps(net, x[None], 2)  # the pooling layer's (3, 4, 3) maps
    assert pooled.flat[0].images[0].get_array().shape == (4, 3)
    assert sum(len(ax.images) for ax in plots.plot_feature_maps(net, x, 0).flat) == 2


def test_plot_saliency_is_the_input_gradient(tmp_path: Path) -> None:
    net, x = image_net()
    y = np.array([1.0, 0.0])
    ax = plots.plot_saliency(net, x, y)
    dC_dx = net.trace(x[None], y[None]).dC_da[0][0]
    assert np.allclose(ax.images[0].get_array(), np.abs(dC_dx).max(axis=0))
    render(ax.figure, tmp_path)


def test_image_pictures_refuse_what_is_not_an_image() -> None:
    net, x = image_net()
    with pytest.raises(ValueError, match=r"layer 4 \(Dense\) has W of shape \(2, 36\), not"):
        plots.plot_filters(net, -1)
    with pytest.raises(ValueError, match=r"layer 2 \(MaxPool2D\) has no W"):
        plots.plot_filters(net, 2)
    with pytest.raises(ValueError, match=r"layer 3 outputs shape \(36,\), not images"):
        plots.plot_feature_maps(net, x, 3)
    with pytest.raises(ValueError, match=r"x must be one image of shape \(2, 8, 7\)"):
        plots.plot_feature_maps(net, x[0], 1)
    with pytest.raises(ValueError, match="layer l = 5 does not exist"):
        plots.plot_feature_maps(net, x, 5)
    flat = gn.Network.from_sizes([4, 2])
    with pytest.raises(ValueError, match=r"inputs of shape \(4,\), not images"):
        plots.plot_saliency(flat, np.ones(4), 1)
