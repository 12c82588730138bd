"""The optimizer lab: surfaces, recorded trajectories and their verdicts, loss landscapes,
pictures and the ``glassnet lab`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import glassnet as gn
from glassnet import lab
from glassnet.lab import surfaces
from glassnet.lab.descent import stability_limit

SURFACE_NAMES = list(lab.SURFACES)


def fresh_optimizers(surface: str = "bowl") -> dict[str, Any]:
    """Every optimizer glassnet has, several of them in more than one configuration, with
    learning rates that suit ``surface``."""
    eta = surfaces.get(surface).suggested_lr
    sgd, mom = eta["sgd"], eta["momentum"]
    return {
        "sgd": lambda: gn.SGD(lr=sgd),
        "momentum": lambda: gn.SGD(lr=mom, momentum=0.9),
        "nesterov": lambda: gn.SGD(lr=mom, momentum=0.9, nesterov=True),
        "sgd-dampening-decay": lambda: gn.SGD(
            lr=sgd, momentum=0.5, dampening=0.3, weight_decay=0.01
        ),
        "adagrad": lambda: gn.Adagrad(lr=0.3, lr_decay=0.01),
        "rmsprop": lambda: gn.RMSprop(lr=0.02),
        "rmsprop-centered-momentum": lambda: gn.RMSprop(lr=0.01, centered=True, momentum=0.5),
        "adam": lambda: gn.Adam(lr=0.05),
        "adam-amsgrad-decay": lambda: gn.Adam(lr=0.05, amsgrad=True, weight_decay=0.01),
        "adamw": lambda: gn.AdamW(lr=0.05, weight_decay=0.1),
    }


# -- surfaces -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_analytic_gradient_matches_central_differences(name: str, rng: np.random.Generator) -> None:
    s = surfaces.get(name)
    x = rng.uniform(*s.xlim, size=20)
    y = rng.uniform(*s.ylim, size=20)
    eps = 1e-6
    gx, gy = s.gradient(x, y)
    fx = (s.value(x + eps, y) - s.value(x - eps, y)) / (2 * eps)
    fy = (s.value(x, y + eps) - s.value(x, y - eps)) / (2 * eps)
    scale = 1 + np.abs(s.value(x, y))
    np.testing.assert_allclose(gx, fx, rtol=1e-6, atol=1e-6 * scale.max())
    np.testing.assert_allclose(gy, fy, rtol=1e-6, atol=1e-6 * scale.max())


@pytest.mark.parametrize("name", SURFACE_NAMES)
def test_critical_points_are_flat_and_minima_are_lowest_nearby(name: str) -> None:
    s = surfaces.get(name)
    assert s.critical_points and s.critical_points[0].kind == "global minimum"
    for c in s.critical_points:
        assert np.hypot(*s.gradient(c.x, c.y)) < 1e-9
        assert s.value(c.x, c.y) == pytest.approx(c.value, abs=1e-12)
        ring = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        around = s.value(c.x + 1e-3 * np.cos(ring), c.y + 1e-3 * np.sin(ring))
        if c.is_minimum:
            assert (around > c.value).all()
        else:  # a saddle: higher one way, lower another
            assert (around > c.value).any() and (around < c.value).any()
    assert all(c.value >= s.global_minimum.value for c in s.critical_points if c.is_minimum)


def test_unknown_surface_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown surface 'banana'; choose one of bowl"):
        surfaces.get("banana")


# -- trajectories are the optimizers' own steps ---------------------------------------------


@pytest.mark.parametrize("surface", ["rosenbrock", "beale", "two_minima"])
@pytest.mark.parametrize("kind", list(fresh_optimizers()))
def test_recorded_trajectory_equals_stepping_the_optimizer_directly(
    surface: str, kind: str
) -> None:
    make = fresh_optimizers(surface)[kind]
    mine = make()
    run = lab.descend(surface, mine, steps=25)
    assert mine.t == 0 and mine.state == {}  # the caller's optimizer was not used up
    assert run.points.dtype == np.float64 and run.steps == 25

    # the same optimizer, stepped by hand on a one-layer float64 network W^(1) = [[x, y]]
    s = surfaces.get(surface)
    net = gn.Network([gn.Dense(2, 1, activation="identity")], seed=1, dtype="float64")
    net.set_parameter_vector(np.array([*s.start, 0.0]))
    opt = make()
    assert np.array_equal(run.points[0], s.start)
    for t in range(1, 26):
        x, y = net.W[1][0]
        gx, gy = s.gradient(x, y)
        opt.step(net, net.unflatten(np.array([gx, gy, 0.0])))  # ∂C/∂W^(1) = ∇f, ∂C/∂b^(1) = 0
        assert np.array_equal(run.points[t], net.W[1][0]), f"step {t} differs"
        assert run.values[t] == s.value(*net.W[1][0])
    assert net.b[1][0] == 0.0


def test_plain_sgd_steps_are_the_tutorials_rule() -> None:
    run = lab.descend("ravine", "sgd", lr=0.3, steps=30)
    for t in range(run.steps):  # w ← w − η ∇f(w), exactly, in float64
        assert np.array_equal(run.points[t + 1], run.points[t] - 0.3 * run.gradients[t])


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_trajectories_agree_with_torch_optim(name: str) -> None:
    """A second, independent reference: torch.optim stepping the same point on Rosenbrock."""
    torch = pytest.importorskip("torch")
    run = lab.descend("rosenbrock", name, steps=40)
    p = torch.tensor(run.points[0], dtype=torch.float64, requires_grad=True)
    eta = run.lr
    make = {
        "sgd": lambda: torch.optim.SGD([p], lr=eta),
        "momentum": lambda: torch.optim.SGD([p], lr=eta, momentum=0.9),
        "nesterov": lambda: torch.optim.SGD([p], lr=eta, momentum=0.9, nesterov=True),
        "rmsprop": lambda: torch.optim.RMSprop([p], lr=eta),
        "adam": lambda: torch.optim.Adam([p], lr=eta),
    }
    opt = make[name]()
    for t in range(1, run.steps + 1):
        opt.zero_grad()
        x, y = p[0], p[1]
        ((1 - x) ** 2 + 100 * (y - x * x) ** 2).backward()  # autograd, not the lab's gradient
        opt.step()
        np.testing.assert_allclose(run.points[t], p.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_names_give_the_usual_optimizers_and_unknown_names_fail() -> None:
    assert lab.make_optimizer("momentum", 0.1).momentum == 0.9
    assert lab.make_optimizer("nesterov", 0.1).nesterov
    assert isinstance(lab.make_optimizer("adam", 0.1), gn.Adam)
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'"):
        lab.descend("bowl", "adamax")
    with pytest.raises(ValueError, match="start must be two finite numbers"):
        lab.descend("bowl", "sgd", start=(1.0, np.nan))
    with pytest.raises(ValueError, match="steps must be a whole number"):
        lab.descend("bowl", "sgd", steps=0)
    with pytest.raises(ValueError, match="tol must be a distance > 0"):
        lab.descend("bowl", "sgd", tol=0)


def test_the_labs_names_are_the_optimizer_registry() -> None:
    from glassnet.optimizers import OPTIMIZERS

    assert lab.OPTIMIZERS is OPTIMIZERS
    for name, entry in OPTIMIZERS.items():
        made = lab.make_optimizer(name, 0.1)
        assert repr(made) == repr(entry(0.1))
        assert lab.descent.label(made) == f"{name} η=0.1"


def test_a_registered_name_races_in_the_lab_and_on_its_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from glassnet.optimizers import OPTIMIZERS, register

    register("heavy_ball", gn.SGD, lr=0.05, options={"momentum": 0.99}, description="μ = 0.99")
    try:
        run = lab.descend("bowl", "heavy_ball", lr=0.1, steps=5)
        assert run.optimizer.momentum == 0.99 and run.optimizer.lr == 0.1
        assert glassnet("--surface", "bowl", "--optimizers", "sgd,heavy_ball", "--lr", "0.1",
                        "--steps", "5") == 0  # fmt: skip
        assert capsys.readouterr().out.count("η=0.1") == 2
        assert glassnet("--optimizers", "adamax") == 2
        names = ", ".join(OPTIMIZERS)
        assert names.endswith("adamw, heavy_ball") and f"from {names}," in capsys.readouterr().err
    finally:
        del OPTIMIZERS["heavy_ball"]


def test_a_race_starts_everyone_at_the_same_point() -> None:
    runs = lab.race("beale", ["sgd", "momentum", "adam"], start=(1.0, 1.0), steps=10)
    assert [r.label.split()[0] for r in runs] == ["sgd", "momentum", "adam"]
    assert all(np.array_equal(r.points[0], [1.0, 1.0]) for r in runs)
    runs = lab.race("bowl", ["sgd", "adam"], lr={"sgd": 0.3}, steps=5)
    assert runs[0].lr == 0.3 and runs[1].lr == lab.SURFACES["bowl"].suggested_lr["adam"]
    with pytest.raises(ValueError, match=r"lr names \['sgdd'\]"):
        lab.race("bowl", ["sgd"], lr={"sgdd": 0.1})


# -- verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop", "adam"])
def test_a_start_in_the_local_basin_ends_in_the_local_minimum_and_the_lab_says_so(
    optimizer: str,
) -> None:
    s = surfaces.get("two_minima")
    local = next(c for c in s.critical_points if c.kind == "local minimum")
    glob = s.global_minimum
    assert local.x > 0 > glob.x and local.value > glob.value
    run = lab.descend(s, optimizer, start=(1.5, 1.0), steps=400)
    assert np.linalg.norm(run.points[-1] - local.point) < 1e-2
    assert run.verdict.kind == "local minimum" and run.verdict.point == local
    assert run.verdict.converged
    assert "converged to the local minimum" in str(run.verdict)
    assert f"{local.x:.4g}" in str(run.verdict) and f"{local.value:.4g}" in str(run.verdict)
    other = lab.descend(s, optimizer, start=(-1.5, 1.0), steps=400)  # the other basin
    assert other.verdict.kind == "global minimum"
    assert "converged to the global minimum" in str(other.verdict)


def test_the_bowls_stability_limit_is_two_over_the_largest_curvature() -> None:
    bowl = surfaces.get("bowl")
    assert bowl.curvatures is not None
    limit = stability_limit(bowl, gn.SGD(lr=0.1))
    assert limit == 2 / max(bowl.curvatures)
    assert stability_limit("rosenbrock", gn.SGD(lr=0.1)) is None  # curvature not constant
    assert stability_limit(bowl, gn.Adam(lr=0.1)) is None


@pytest.mark.parametrize(
    "optimizer",
    [gn.SGD(lr=1.0), gn.SGD(lr=1.0, momentum=0.9), gn.SGD(lr=1.0, momentum=0.5, nesterov=True)],
    ids=["sgd", "momentum", "nesterov"],
)
def test_above_the_stability_limit_the_bowl_diverges_and_the_lab_says_so(optimizer: Any) -> None:
    limit = stability_limit("bowl", optimizer)
    assert limit is not None
    over = lab.descend("bowl", optimizer, lr=1.05 * limit, steps=500)
    assert over.verdict.kind == "diverged" and over.diverged
    assert np.abs(over.points[-1]).max() > 100 * np.abs(over.points[0]).max()
    message = str(over.verdict)
    assert "diverged" in message and "above the stability limit" in message
    assert f"{limit:.4g}" in message
    under = lab.descend("bowl", optimizer, lr=0.95 * limit, steps=2000)
    assert under.verdict.kind == "global minimum"


def test_a_divergence_elsewhere_suggests_a_smaller_learning_rate() -> None:
    run = lab.descend("rosenbrock", "sgd", lr=0.05, steps=50)
    assert run.verdict.kind == "diverged" and "try a smaller η" in str(run.verdict)
    assert run.steps < 50  # stopped when it blew up


def test_still_moving_and_saddle_verdicts() -> None:
    slow = lab.descend("rosenbrock", "sgd", lr=1e-4, steps=20)
    assert slow.verdict.kind == "still moving" and not slow.verdict.converged
    assert "still moving after 20 steps" in str(slow.verdict)
    assert "away from the global minimum f(1, 1) = 0" in str(slow.verdict)
    assert "give it more steps" in str(slow.verdict)
    hovering = lab.descend("bowl", "adam", lr=1.0, steps=100)  # Adam's steps stay about η long
    assert hovering.verdict.kind == "still moving"
    assert "back and forth; a smaller η would let it settle" in str(hovering.verdict)
    stuck = lab.descend("saddle", "sgd", lr=0.1, start=(2.0, 0.0), steps=300)
    assert stuck.verdict.kind == "saddle point" and "not a minimum" in str(stuck.verdict)
    escaped = lab.descend("saddle", "sgd", lr=0.1, start=(2.0, 1e-3), steps=300)
    assert escaped.verdict.kind == "global minimum"


def test_the_default_sweep_is_too_small_right_and_too_large() -> None:
    runs = lab.lr_sweep("bowl", "sgd", steps=60)
    assert [r.verdict.kind for r in runs] == ["still moving", "global minimum", "diverged"]
    assert runs[0].lr < runs[1].lr < 1.0 < runs[2].lr


# -- loss landscapes ------------------------------------------------------------------------


def xor() -> tuple[np.ndarray, np.ndarray]:
    return np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 1, 1, 0])


def small_net() -> gn.Network:
    net = gn.Network.from_sizes([2, 3, 2, 1], seed=3, dtype="float64")
    for l in range(1, net.L + 1):
        net.b[l] = np.linspace(-0.5, 0.5, net.sizes[l])
    return net


@pytest.mark.parametrize("normalize", ["layer", "filter"])
def test_random_directions_are_scaled_to_each_layer(normalize: str) -> None:
    net = small_net()
    d = lab.random_direction(net, seed=7, normalize=normalize)
    assert np.array_equal(d, lab.random_direction(net, seed=7, normalize=normalize))
    assert not np.array_equal(d, lab.random_direction(net, seed=8, normalize=normalize))
    parts = net.unflatten(d)
    for l in range(1, net.L + 1):
        if normalize == "layer":
            assert np.linalg.norm(parts.W[l]) == pytest.approx(np.linalg.norm(net.W[l]))
        else:
            np.testing.assert_allclose(
                np.linalg.norm(parts.W[l], axis=1), np.linalg.norm(net.W[l], axis=1)
            )
        assert np.linalg.norm(parts.b[l]) == pytest.approx(np.linalg.norm(net.b[l]))
    with pytest.raises(ValueError, match="normalize must be 'layer' or 'filter'"):
        lab.random_direction(net, normalize="neuron")


def test_slices_are_the_cost_along_the_directions_and_leave_the_network_alone() -> None:
    net = small_net()
    X, y = xor()
    w = net.parameter_vector()
    d1, d2 = lab.random_direction(net, seed=1), lab.random_direction(net, seed=2)
    alphas = np.array([-1.0, -0.25, 0.0, 0.5])
    line = lab.slice_1d(net, X, y, d1, alphas)
    plane = lab.slice_2d(net, X, y, d1, d2, alphas, np.array([-0.5, 0.0, 1.0]))
    assert np.array_equal(net.parameter_vector(), w)  # untouched
    probe = net.copy()
    for i, a in enumerate(alphas):
        probe.set_parameter_vector(w + a * d1)
        assert line.costs[i] == probe.cost(X, y)
        probe.set_parameter_vector(w + a * d1 + 1.0 * d2)
        assert plane.costs[2, i] == probe.cost(X, y)
    assert plane.costs.shape == (3, 4) and plane.costs[1, 2] == net.cost(X, y)
    assert np.array_equal(plane.costs[1], line.costs)  # β = 0 is the 1-D slice
    with pytest.raises(ValueError, match="flat vector of n_params"):
        lab.slice_1d(net, X, y, d1[:-1])


def test_training_path_directions_and_projection() -> None:
    net = small_net()
    X, y = xor()
    w = net.parameter_vector()
    path = lab.train_and_record(net, X, y, optimizer="sgd", lr=2.0, epochs=6, batch_size=2)
    assert np.array_equal(net.parameter_vector(), w)  # the caller's network was not trained
    assert path.weights.shape == (1 + 6 * 2, net.n_params)
    assert np.array_equal(path.weights[0], w)
    assert np.array_equal(path.weights[-1], path.after.parameter_vector())
    assert path.history.loss[-1] < path.history.loss[0]

    dirs, explained = lab.trajectory_directions(path.weights, k=2)
    np.testing.assert_allclose(dirs @ dirs.T, np.eye(2), atol=1e-12)
    assert 0 < explained[1] <= explained[0] <= 1

    start_end = path.weights[0] - path.weights[-1]
    line = lab.slice_1d(path.after, X, y, start_end, np.linspace(-0.5, 1.5, 9), path=path.weights)
    assert line.path is not None and line.path_costs is not None
    assert line.path[0, 0] == pytest.approx(1.0) and line.path[-1, 0] == pytest.approx(0.0)
    assert line.path_costs[-1] == path.after.cost(X, y)
    assert line.path_costs[0] == path.before.cost(X, y)


# -- pictures -------------------------------------------------------------------------------


@pytest.fixture
def plt() -> Any:
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as pyplot

    yield pyplot
    pyplot.close("all")


def trajectory_lines(ax: Any) -> list[Any]:
    from glassnet.lab.pictures import TRAJECTORY_GID

    return [line for line in ax.get_lines() if line.get_gid() == TRAJECTORY_GID]


def assert_picture(path: Path, min_colours: int = 20) -> Any:
    """The file is an image with real content: many colours, not one flat fill."""
    from PIL import Image

    with Image.open(path) as im:
        pixels = np.asarray(im.convert("RGB"))
    assert pixels.std() > 10
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) >= min_colours
    return pixels


def test_contour_plot_draws_one_line_per_trajectory(plt: Any, tmp_path: Path) -> None:
    runs = lab.race("rosenbrock", ["sgd", "momentum", "adam"], steps=30)
    ax = lab.plot_surface("rosenbrock", runs, resolution=40)
    lines = trajectory_lines(ax)
    assert [line.get_label() for line in lines] == [r.label for r in runs]
    for line, run in zip(lines, runs):
        assert np.array_equal(line.get_xydata(), run.points)
    assert ax.get_xlim() == lab.SURFACES["rosenbrock"].xlim
    ax.figure.savefig(tmp_path / "race.png", dpi=50)
    assert_picture(tmp_path / "race.png")

    _fig, given = plt.subplots()
    assert lab.plot_surface("bowl", [], ax=given, resolution=20) is given
    assert trajectory_lines(given) == []
    assert lab.plot_values(runs, ax=given) is given and len(trajectory_lines(given)) == 3


def test_lr_sweep_picture_has_a_panel_per_learning_rate(plt: Any, tmp_path: Path) -> None:
    runs = lab.lr_sweep("ravine", "sgd", steps=40)
    fig = lab.plot_lr_sweep(runs, resolution=30)
    panels = [ax for ax in fig.axes if trajectory_lines(ax)]
    assert len(panels) == 3 and all(len(trajectory_lines(ax)) == 1 for ax in panels)
    assert [ax.get_title().split(": ")[1] for ax in panels] == [r.verdict.kind for r in runs]
    assert runs[-1].verdict.kind == "diverged"
    fig.savefig(tmp_path / "sweep.png", dpi=40)
    assert_picture(tmp_path / "sweep.png")


def test_the_race_animation_is_a_gif_with_the_frames_asked_for(plt: Any, tmp_path: Path) -> None:
    from PIL import Image

    runs = lab.race("two_minima", ["sgd", "adam"], start=(1.5, 1.0), steps=40)
    fig = plt.figure(figsize=(3, 2.5))
    anim = lab.animate_race(runs, fig=fig, frames=5, fps=5, path=tmp_path / "race.gif")
    assert anim is not None and len(trajectory_lines(fig.axes[0])) == 2
    with Image.open(tmp_path / "race.gif") as gif:
        assert gif.n_frames == 5
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
    assert all(f.std() > 10 for f in frames)  # not blank
    assert np.abs(frames[0] - frames[-1]).sum() > 0  # the paths grew
    # the last frame shows each path up to its last point
    for line, run in zip(trajectory_lines(fig.axes[0]), runs):
        assert np.array_equal(line.get_xydata(), run.points)


def test_mp4_needs_ffmpeg_and_other_suffixes_are_refused(plt: Any, tmp_path: Path) -> None:
    from matplotlib.animation import FFMpegWriter

    runs = lab.race("bowl", ["sgd"], steps=3)
    if FFMpegWriter.isAvailable():
        lab.animate_race(runs, frames=2, path=tmp_path / "race.mp4", resolution=20)
        assert (tmp_path / "race.mp4").stat().st_size > 0
    else:
        with pytest.raises(ValueError, match="MP4 needs the ffmpeg program"):
            lab.animate_race(runs, frames=2, path=tmp_path / "race.mp4", resolution=20)
    with pytest.raises(ValueError, match=r"use a \.gif or \.mp4"):
        lab.animate_race(runs, frames=2, path=tmp_path / "race.avi", resolution=20)


def test_slice_pictures_mark_the_training_steps(plt: Any, tmp_path: Path) -> None:
    net = small_net()
    X, y = xor()
    path = lab.train_and_record(net, X, y, lr=2.0, epochs=3, batch_size=2)
    d = path.weights[0] - path.weights[-1]
    line = lab.slice_1d(path.after, X, y, d, np.linspace(-0.5, 1.5, 9), path=path.weights)
    ax = lab.plot_slice(line)
    steps = trajectory_lines(ax)
    assert len(steps) == 1 and len(steps[0].get_xdata()) == len(path.weights)
    dirs, _ = lab.trajectory_directions(path.weights)
    plane = lab.slice_2d(path.after, X, y, *dirs, np.linspace(-2, 2, 5), np.linspace(-2, 2, 4),
                         path=path.weights)  # fmt: skip
    ax2 = lab.plot_slice(plane)
    assert len(trajectory_lines(ax2)) == 1
    fig = lab.plot_landscape(path, X, y, resolution=5)
    assert len(fig.axes) >= 4
    fig.savefig(tmp_path / "landscape.png", dpi=40)
    assert_picture(tmp_path / "landscape.png")


def test_pictures_without_matplotlib_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install 'glassnet\[plot\]'"):
        lab.plot_surface("bowl")


def test_importing_glassnet_and_the_lab_does_not_import_matplotlib() -> None:
    code = "import sys, glassnet, glassnet.lab, glassnet.cli; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the command line -----------------------------------------------------------------------


def glassnet(*args: str) -> int:
    from glassnet.cli import main

    return main(["lab", *args])


def test_lab_command_prints_verdicts(capsys: pytest.CaptureFixture[str]) -> None:
    assert glassnet("--surface", "two_minima", "--start", "1.5,1", "--optimizers", "sgd,adam",
                    "--steps", "300") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert out.count("converged to the local minimum") == 2
    assert glassnet("--surface", "bowl", "--optimizers", "sgd", "--lr", "1.2", "--steps", "60") == 0
    out = capsys.readouterr().out
    assert "diverged" in out and "above the stability limit 2/λ_max = 1" in out
    assert glassnet("--surface", "bowl", "--optimizers", "sgd", "--sweep", "--lr", "0.01,0.5,1.1",
                    "--steps", "30") == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "η=0.01: still moving" in out and "η=0.5: converged" in out and "η=1.1: diverged" in out
    assert glassnet("--list") == 0
    assert "rosenbrock" in capsys.readouterr().out


def test_lab_command_writes_pictures_and_animations(
    plt: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    png, gif = tmp_path / "race.png", tmp_path / "race.gif"
    assert glassnet("--surface", "rosenbrock", "--optimizers", "sgd,momentum,adam",
                    "--steps", "20", "-o", str(png)) == 0  # fmt: skip
    assert_picture(png)
    assert glassnet("--surface", "saddle", "--steps", "10", "--frames", "3", "-o", str(gif)) == 0
    with Image.open(gif) as im:
        assert im.n_frames == 3
    assert f"wrote {gif}" in capsys.readouterr().out


def test_lab_command_draws_a_landscape(
    plt: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "land.png"
    assert glassnet("--landscape", "--dataset", "xor", "--epochs", "2", "-o", str(out_file)) == 0
    out = capsys.readouterr().out
    assert "trained Network([2, 4, 1]" in out and "principal directions" in out
    assert_picture(out_file)


def test_the_landscape_trains_with_the_registrys_default_lr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from glassnet.optimizers import OPTIMIZERS

    for name in ("adam", "nesterov"):
        assert glassnet("--landscape", "--dataset", "xor", "--epochs", "1", "--optimizers",
                        name) == 0  # fmt: skip
        assert f"with {OPTIMIZERS[name]()!r}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--optimizers", "sgd,adamax"], "unknown optimizer adamax"),
        (["-o", "out.txt"], "use a file name ending in .png"),
        (["--landscape", "-o", "out.gif"], "use a file name ending in .png"),
        (["--optimizers", "sgd,adam", "--lr", "0.1,0.2,0.3"], "--lr has 3 values for 2"),
        (["--landscape", "--dataset", "nope"], "unknown data set 'nope'"),
    ],
)
def test_lab_command_mistakes_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert glassnet(*args) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: ") and message in err


def test_lab_command_bad_numbers_are_argparse_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["--lr", "-1"], ["--start", "1"], ["--surface", "banana"], ["--steps", "0"]):
        with pytest.raises(SystemExit) as exit_info:
            glassnet(*args)
        assert exit_info.value.code == 2
    assert "glassnet lab: error:" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--landscape", "--epochs", "100000"], ["--steps", "100000"]])
def test_lab_without_matplotlib_says_so_before_any_work(
    args: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    assert glassnet(*args, "-o", str(tmp_path / "out.png")) == 2
    captured = capsys.readouterr()
    assert "pip install 'glassnet[plot]'" in captured.err
    assert captured.out == ""  # no network trained, no race run: their verdicts print first
    assert not list(tmp_path.iterdir())


def test_lab_checks_the_pictures_folder_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert glassnet("--landscape", "-o", str(tmp_path / "nowhere" / "land.png")) == 2
    captured = capsys.readouterr()
    assert "the folder" in captured.err and "does not exist" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("start", ["1e308,1e308", "1e200,1"])
def test_a_start_too_far_out_is_refused_without_numpy_warnings(
    start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning would fail the test here
        assert glassnet("--surface", "bowl", "--start", start) == 2
    err = capsys.readouterr().err
    assert err.startswith("glassnet: error: --start ") and "is too far out" in err
    assert "too large for a float64" in err and "--start -3,2" in err  # the bowl's own start


def test_a_landscape_network_too_large_for_memory_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert glassnet("--landscape", "--hidden", "1000000", "1000000") == 2
    err = capsys.readouterr().err
    assert "network would need about" in err and "choose smaller --hidden layers" in err
