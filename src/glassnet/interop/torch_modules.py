"""The two small ``torch.nn`` modules that PyTorch lacks and glassnet's layers need.

:func:`glassnet.interop.to_torch_module` writes them and :func:`glassnet.interop.from_torch`
reads them back; build your own modules with them to bring a recurrent or residual network
into glassnet. This module imports torch, so it is imported only when torch is in use
(``glassnet.interop.torch.ResidualBlock`` and ``.RNNOutput`` name the same classes).

- :class:`RNNOutput` follows an ``nn.RNN``, which gives a pair (every h_t, the last state):
  it passes on what glassnet's :class:`~glassnet.layers.RNN` does, every h_t
  (``return_sequences=True``) or the last step's h_T alone.
- :class:`ResidualBlock` is glassnet's :class:`~glassnet.layers.Residual` without its σ:
  z = x + body(x), or projection(x) + body(x). As after every layer, σ is the module after it.

Example:
    >>> import torch
    >>> from torch import nn
    >>> block = ResidualBlock(nn.Sequential(nn.Linear(2, 2), nn.Tanh()))
    >>> x = torch.ones(1, 2)
    >>> bool(torch.equal(block(x), x + block.body(x)))
    True
    >>> rnn = nn.Sequential(nn.RNN(2, 3, batch_first=True), RNNOutput(return_sequences=False))
    >>> tuple(rnn(torch.ones(4, 5, 2)).shape)  # (m, T, n_in) → h_T, (m, n_hidden)
    (4, 3)
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["RNNOutput", "ResidualBlock"]


class RNNOutput(nn.Module):
    """What glassnet's RNN passes on, from the ``(output, h_n)`` pair a one-layer
    ``nn.RNN(batch_first=True)`` returns: ``output`` (every h_t, (m, T, n_hidden)) when
    ``return_sequences``, else its last step h_T, (m, n_hidden).

    Args:
        return_sequences: pass on every h_t (True) or only the last one (False).

    Example:
        >>> out = torch.arange(6.0).reshape(1, 3, 2)  # one sample, T = 3 steps, 2 neurons
        >>> RNNOutput(return_sequences=False)((out, out[:, -1:])).tolist()
        [[4.0, 5.0]]
    """

    def __init__(self, return_sequences: bool) -> None:
        super().__init__()
        self.return_sequences = bool(return_sequences)

    def forward(self, result: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Every h_t, or h_T: the output at the last step."""
        output, _ = result
        return output if self.return_sequences else output[:, -1]

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}"


class ResidualBlock(nn.Module):
    """z = x + body(x), or projection(x) + body(x): a skip connection around ``body``.

    glassnet's :class:`~glassnet.layers.Residual` computes this z; its σ is applied by the
    module after the block (as after every layer in :func:`~glassnet.interop.to_torch_module`).

    Args:
        body: the layers f (usually an ``nn.Sequential`` of layers and activations).
        projection: maps x to the shape of body(x) when the body changes it (an
            ``nn.Linear``, or a 1×1 ``nn.Conv2d``, possibly followed by an activation);
            ``None`` adds x itself.

    Example:
        >>> block = ResidualBlock(nn.Linear(2, 3), projection=nn.Linear(2, 3, bias=False))
        >>> tuple(block(torch.ones(5, 2)).shape)
        (5, 3)
    """

    def __init__(self, body: nn.Module, projection: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.projection = projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The skip, x or projection(x), plus body(x)."""
        skip = x if self.projection is None else self.projection(x)
        return skip + self.body(x)
