"""The checks of a saved optimizer state (glassnet.optimizers.state), each on its own; the
round trips through state_dict / load_state_dict are in test_optimizers.py."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.optimizers.state import saved_buffers, saved_hyperparameters


def test_saved_hyperparameters() -> None:
    sd = {"optimizer": np.array("SGD"), "lr": np.array(0.5), "momentum": 0.9, "t": 1}
    assert saved_hyperparameters(sd, "SGD", ["lr", "momentum"]) == {"lr": 0.5, "momentum": 0.9}
    with pytest.raises(ValueError, match="saved by a 'SGD' optimizer, not a 'Adam'"):
        saved_hyperparameters(sd, "Adam", ["lr"])
    with pytest.raises(ValueError, match=r"the state_dict lacks \['nesterov'\]"):
        saved_hyperparameters(sd, "SGD", ["lr", "nesterov"])


def test_saved_buffers() -> None:
    W, b = np.ones((2, 3)), np.zeros(2)
    sd = {"t": 1, "v.W[1]": W, "v.b[1]": b, "u.W[1]": W, "u.b[1]": b}
    out = saved_buffers(sd, {"t"}, {"u", "v"}, 1, "X()", "F")
    assert out["u"][0] == [(1, "W"), (1, "b")] and out["v"][1][0].flags.f_contiguous
    assert saved_buffers({"t": 0}, {"t"}, {"v"}, 0, "X()", "F") == {}
    with pytest.raises(ValueError, match="unexpected key 'v' in the state_dict"):
        saved_buffers({"v": W}, set(), {"v"}, 1, "X()", "F")
    with pytest.raises(ValueError, match=r"has buffers \[\], but X\(\) keeps \['v'\]"):
        saved_buffers({"t": 2}, {"t"}, {"v"}, 2, "X()", "F")
    # a layer without parameters (pooling, Flatten) has no arrays: layer numbers may skip it
    keys, _ = saved_buffers({"v.W[2]": W}, set(), {"v"}, 1, "X()", "F")["v"]
    assert keys == [(2, "W")]
    with pytest.raises(ValueError, match=r"arrays for layer 0; layers are numbered from 1"):
        saved_buffers({"v.W[0]": W}, set(), {"v"}, 1, "X()", "F")
    with pytest.raises(ValueError, match="must hold arrays of one dtype, float32 or float64"):
        saved_buffers({"v.W[1]": W.astype(int)}, set(), {"v"}, 1, "X()", "F")
    with pytest.raises(ValueError, match="do not agree in shape or dtype"):
        saved_buffers({"v.W[1]": W, "u.W[1]": W.T}, set(), {"u", "v"}, 1, "X()", "F")
