"""Pictures of a network: what it computes, how it learned, and where its gradients come from.

Every function draws onto matplotlib Axes and returns them, so that a picture can be placed in a
figure of your own (``ax=`` or ``fig=``) or shown on its own (``plt.show()``). matplotlib is an
optional extra and is imported only when a picture is drawn::

    pip install 'glassnet[plot]'

>>> import glassnet as gn
>>> from glassnet import plots                     # doctest: +SKIP
>>> ax = plots.plot_network(gn.Network.from_sizes([2, 3, 1], seed=0))    # doctest: +SKIP

================================  =============================================================
function                          picture
================================  =============================================================
:func:`plot_history`              loss / accuracy per epoch, training and validation
:func:`plot_network`              neurons as circles, weights w^(l)_jk as lines (colour = sign,
                                  width = |w|), optionally one sample's activations a^(l)_j
:func:`plot_backward_graph`       the chain rule for one weight: w → z^(l)_j → a^(l)_j → z^(l+1)
                                  → … → a^(L) → C, each edge labelled with its factor
:func:`plot_decision_boundary`    a^(L) over the plane of a 2-D input, with the data
:func:`plot_neuron_maps`          a^(l)_j of every hidden neuron over the plane of a 2-D input
:func:`plot_first_layer_weights`  row j of W^(1) as an image, for image inputs
:func:`plot_gradient_flow`        ‖∂C/∂W^(l)‖ and mean |δ^(l)| per layer, on a log scale; given
                                  several networks, ‖∂C/∂W‖ in depth, one line each (plain vs
                                  residual)
:func:`plot_gradient_through_time`  ‖∂C/∂h_t‖ per time step of an RNN, on a log scale
:func:`plot_activation_histograms`  the values a^(l) takes, one histogram per hidden layer
:func:`plot_activations`          σ(z) and σ'(z) of the activation functions, one panel each
:func:`plot_filters`              a convolution's kernels W^(l)_{o,i} as small images
:func:`plot_feature_maps`         a^(l) of one image, one panel per channel
:func:`plot_saliency`             |∂C/∂x| of one image as a heat map (the input gradient)
:func:`figure_for`                one of the pictures above (:data:`KINDS`) on a new Figure
================================  =============================================================

Colours: a weight or value above 0 is red, below 0 blue (matplotlib's ``coolwarm``); near 0 grey.

The modules: :mod:`~glassnet.plots.curves` (training curves, σ curves),
:mod:`~glassnet.plots.diagrams` (the network, the backward graph), :mod:`~glassnet.plots.maps`
(the input plane, first-layer weights as images), :mod:`~glassnet.plots.layers` (gradient flow,
activation histograms), :mod:`~glassnet.plots.flow` (gradient flow in depth and in time),
:mod:`~glassnet.plots.images` (kernels, feature maps, saliency),
:mod:`~glassnet.plots.figure` (``glassnet plot``'s pictures) and
:mod:`~glassnet.plots.base` (what they share).
"""

from __future__ import annotations

from .base import INSTALL_HINT, WEIGHT_CMAP, require_matplotlib
from .curves import plot_activations, plot_history
from .diagrams import plot_backward_graph, plot_network
from .figure import KINDS, MAX_DPI, figure_for
from .flow import plot_gradient_flows, plot_gradient_through_time
from .images import plot_feature_maps, plot_filters, plot_saliency
from .layers import plot_activation_histograms, plot_gradient_flow
from .maps import plot_decision_boundary, plot_first_layer_weights, plot_neuron_maps

__all__ = [
    "INSTALL_HINT",
    "KINDS",
    "MAX_DPI",
    "WEIGHT_CMAP",
    "figure_for",
    "plot_activation_histograms",
    "plot_activations",
    "plot_backward_graph",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_filters",
    "plot_first_layer_weights",
    "plot_gradient_flow",
    "plot_gradient_flows",
    "plot_gradient_through_time",
    "plot_history",
    "plot_network",
    "plot_neuron_maps",
    "plot_saliency",
    "require_matplotlib",
]
