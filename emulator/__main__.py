"""``python -m emulator`` is the same as the ``neuromesh`` command."""

import sys

from emulator.cli import main

sys.exit(main())
