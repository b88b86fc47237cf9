"""One exception family for every user-facing error.

Each error says where (file, field path, core or neuron), what was received and what is allowed, so the user
can fix the input without reading our code.
"""

from __future__ import annotations


class NeuroMeshError(Exception):
    """Base class of every error NeuroMesh raises on bad input."""


class ConfigError(NeuroMeshError):
    """A chip config file is missing, unparsable or invalid.

    Parameters
    ----------
    problems : list of str
        One line per problem, each naming the field path, the value and what is allowed.
    source : str
        The file (or ``"<string>"``) the config came from.
    """

    def __init__(self, problems: list[str] | str, source: str = "<config>"):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''} in chip config:\n{lines}")


class ProgramError(NeuroMeshError):
    """A programmed chip (mapped network) does not fit or does not match the chip config."""


class MappingError(NeuroMeshError):
    """A network cannot be imported or mapped (unsupported node, parameter, or option)."""


class CapacityError(MappingError):
    """A network does not fit the chip: names the layer, the resource, the need and the limit."""


class SimulationError(NeuroMeshError):
    """A run cannot proceed (bad inputs, shapes, or encoder options)."""
