"""glassnet's Playground: watch a network learn in the browser, and open the math behind it.

``glassnet playground`` (or :func:`serve`) starts a local web server on 127.0.0.1 with one page:
choose a data set and a network, press play, and every weight, neuron and gradient on the
screen can be opened to show the tutorial's chain rule with its numbers. The training runs in
glassnet on the server (:class:`Session`); the page only draws. It needs FastAPI and uvicorn:
``pip install 'glassnet[playground]'``.

>>> from glassnet.playground import Session, parse_config
>>> s = Session(parse_config({"dataset": "moons", "hidden": [5], "seed": 1}))
>>> s.net.sizes
[2, 5, 1]
"""

from .server import create_app, serve
from .session import DEFAULTS, LIMITS, Config, Session, parse_config

__all__ = ["DEFAULTS", "LIMITS", "Config", "Session", "create_app", "parse_config", "serve"]
