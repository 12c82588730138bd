"""``python -m glassnet.cli``: the ``glassnet`` command."""

import sys

from .parser import main

sys.exit(main())
