"""Where the gradient flows: gradient_flow in depth, gradient_through_time, the findings of
diagnose (vanishing/exploding through time, the skip's share), TrainingMonitor on RNN and
Residual layers, and the two pictures (Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from glassnet.diagnosis.flow import gradient_flow, gradient_through_time
from glassnet.layers import Residual


def deep(residual: bool, depth: int = 12) -> gn.Network:
    width = 6
    if residual:
        middle = [
            Residual([gn.Dense(width, width, activation="sigmoid"),
                      gn.Dense(width, width, activation="identity")])
            for _ in range(depth // 2)
        ]  # fmt: skip
        first = gn.Dense(2, width, activation="identity")
    else:
        middle = [gn.Dense(width, width, activation="sigmoid") for _ in range(depth)]
        first = gn.Dense(2, width, activation="sigmoid")
    return gn.Network([first, *middle, gn.Dense(width, 2, activation="softmax")],
                      cost="cross_entropy", seed=0, dtype="float64")  # fmt: skip


def xor(m: int = 40) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).uniform(-1, 1, size=(m, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def rnn(act: str = "tanh", T: int = 25) -> gn.Network:
    return gn.Network([gn.RNN(1, 4, activation=act), gn.Dense(4, 1, activation="identity")],
                      cost="mse", input_shape=(T, 1), seed=0, dtype="float64")  # fmt: skip


def sequences(T: int = 25) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(1).normal(size=(8, T, 1))
    return X, X[:, 0, :]


def test_gradient_flow_opens_up_blocks_in_depth_order() -> None:
    X, y = xor()
    plain, res = deep(False), deep(True)
    p, r = gradient_flow(plain, X, y), gradient_flow(res, X, y)
    assert len(p.labels) == len(r.labels) == 14  # the same depth of weighted layers
    assert r.labels[:4] == ["1", "2.1", "2.2", "3.1"] and r.names[1:3] == ["W1", "W2"]
    g = res.gradients(X, y)
    np.testing.assert_allclose(r.norms[3], np.linalg.norm(g[3]["W1"]), rtol=1e-12)
    np.testing.assert_array_equal(r.depth, np.arange(1, 15))
    # the plain sigmoid stack loses the gradient on the way down; the skips keep it
    assert p.norms[0] < 1e-4 * p.norms[-1]
    assert r.norms[0] > 1e-2 * r.norms[-1]


def test_gradient_through_time_picks_the_rnn_and_refuses_other_layers() -> None:
    net, (X, Y) = rnn(), sequences()
    tt = gradient_through_time(net, X, Y)
    assert tt.l == 1 and tt.norms().shape == (25,)
    with pytest.raises(ValueError, match="layer 2 is not an RNN; this network's RNN layers are"):
        gradient_through_time(net, X, Y, 2)
    with pytest.raises(ValueError, match="no RNN layer"):
        gradient_through_time(deep(False, 2), *xor())


def test_diagnose_finds_the_gradient_vanishing_through_time() -> None:
    net, (X, Y) = rnn(), sequences()
    net.layers[0].W_hh *= 0.2
    d = gn.diagnose(net, X, Y)
    f = d["vanishing_through_time"]
    assert f.severity == "problem" and f.numbers["ratio"] < 1e-3
    assert "going back from step 25 to step 1" in f.message and "W_hh" in f.message
    assert "healthy" not in d.kinds


def test_diagnose_finds_the_gradient_exploding_through_time() -> None:
    net, (X, Y) = rnn("identity"), sequences()
    net.layers[0].W_hh[...] = 1.4 * np.eye(4)
    d = gn.diagnose(net, X, Y)
    f = d["exploding_through_time"]
    assert f.numbers["ratio"] > 1e3 and "clip the gradient" in f.fix
    th = gn.diagnosis.NetworkThresholds(exploding_ratio=1e12, exploding_norm=1e12)
    assert "exploding_through_time" not in gn.diagnose(net, X, Y, thresholds=th).kinds


def test_diagnose_reports_the_skip_s_share_in_each_block() -> None:
    X, y = xor()
    d = gn.diagnose(deep(True, 4), X, y)
    skips = [f for f in d.findings if f.kind == "skip_flow"]
    assert [f.numbers["layer"] for f in skips] == [2, 3]
    for f in skips:
        assert f.severity == "ok" and 0.5 < f.numbers["skip_share"] <= 1.0
        assert f.numbers["total"] <= f.numbers["skip"] + f.numbers["through"] + 1e-12
    assert "comes around the block through the skip" in d["skip_flow"].message
    assert d.ok  # good news only


def test_training_monitor_watches_rnn_and_residual_weights() -> None:
    net, (X, Y) = rnn(T=6), sequences(T=6)
    monitor = gn.TrainingMonitor(data=(X, Y))
    net.fit(X, Y, epochs=2, batch_size=4, verbose=0, callbacks=[monitor])
    assert monitor.layers == [1, 2] and len(monitor.gradient_norms[0]) == 2
    # an RNN's first penalised weight, W_ih, after the last epoch
    assert monitor.weight_norms[-1][0] == pytest.approx(np.linalg.norm(net.layers[0].W_ih))


matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from glassnet import plots  # noqa: E402


def test_plot_gradient_flow_compares_plain_and_residual(tmp_path: Path) -> None:
    X, y = xor()
    nets = {"plain": deep(False), "residual": deep(True)}
    ax = plots.plot_gradient_flow(nets, X, y)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["plain", "residual"]
    for line, net in zip(lines, nets.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata(), gradient_flow(net, X, y).norms)
    assert ax.get_yscale() == "log"
    ax.figure.savefig(tmp_path / "flow.png")
    assert (tmp_path / "flow.png").stat().st_size > 1000
    ax = plots.plot_gradient_flows([deep(False, 2)], X, y)
    assert ax.get_lines()[0].get_label() == "network 1"
    with pytest.raises(ValueError, match="give a network, or several"):
        plots.plot_gradient_flow({}, X, y)


def test_plot_gradient_through_time(tmp_path: Path) -> None:
    net, (X, Y) = rnn(), sequences()
    ax = plots.plot_gradient_through_time(net, X, Y)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 26))
    np.testing.assert_allclose(line.get_ydata(), gradient_through_time(net, X, Y).norms())
    assert ax.get_yscale() == "log" and "‖∂C/∂h_1‖ / ‖∂C/∂h_T‖" in ax.get_title()
    ax.figure.savefig(tmp_path / "time.png")
    assert (tmp_path / "time.png").stat().st_size > 1000
