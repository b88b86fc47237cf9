"""Suite-wide test settings.

Hypothesis: no per-example deadline (CI runs on 2 shared cores, where one slow example is not a bug) and a
derandomised search on CI so a run is reproducible; locally the search stays random.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
