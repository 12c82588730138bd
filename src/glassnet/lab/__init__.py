"""The optimizer lab: watch gradient descent move.

The tutorial says the way to grasp stochastic gradient descent is to watch it: each step a move
downhill on the cost surface, towards a local or global minimum, converging or diverging. The
lab shows exactly that, with glassnet's own optimizers:

* :mod:`~glassnet.lab.surfaces`: classic two-weight cost surfaces (bowl, ravine, Rosenbrock,
  Beale, saddle, two minima) with their gradients and known minima;
* :mod:`~glassnet.lab.descent`: run SGD, momentum, Nesterov, RMSprop, Adam, … on them from the
  same start, record every step they take, and say in words what happened;
* :mod:`~glassnet.lab.landscape`: a real network's cost along 1-D and 2-D slices through its
  weights, along random directions or along the directions training took;
* :mod:`~glassnet.lab.pictures`: contour plots, slices, learning-rate sweeps and animations
  (needs matplotlib: ``pip install 'glassnet[plot]'``; imported only when a picture is drawn).

>>> from glassnet import lab
>>> runs = lab.race("two_minima", ["sgd", "adam"], start=(1.5, 1.0), steps=300)
>>> [r.verdict.kind for r in runs]
['local minimum', 'local minimum']
"""

from . import descent, landscape, pictures, surfaces
from .descent import (
    OPTIMIZERS,
    Trajectory,
    Verdict,
    default_sweep,
    descend,
    lr_sweep,
    make_optimizer,
    race,
    stability_limit,
)
from .landscape import (
    Slice,
    TrainingPath,
    random_direction,
    slice_1d,
    slice_2d,
    train_and_record,
    trajectory_directions,
)
from .pictures import (
    animate_race,
    plot_landscape,
    plot_lr_sweep,
    plot_slice,
    plot_surface,
    plot_values,
    save_animation,
)
from .surfaces import SURFACES, CriticalPoint, Surface

__all__ = [
    "OPTIMIZERS",
    "SURFACES",
    "CriticalPoint",
    "Slice",
    "Surface",
    "TrainingPath",
    "Trajectory",
    "Verdict",
    "animate_race",
    "default_sweep",
    "descend",
    "descent",
    "landscape",
    "lr_sweep",
    "make_optimizer",
    "pictures",
    "plot_landscape",
    "plot_lr_sweep",
    "plot_slice",
    "plot_surface",
    "plot_values",
    "race",
    "random_direction",
    "save_animation",
    "slice_1d",
    "slice_2d",
    "stability_limit",
    "surfaces",
    "train_and_record",
    "trajectory_directions",
]
