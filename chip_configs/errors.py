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
    """A network does not fit the chip: the resource, what the network needs, the chip's limit, and where.

    The numbers are attributes, so programs (benchmarks, sweeps) read them instead of parsing the text; the
    message is built from the same attributes, so it cannot disagree with them.

    Parameters
    ----------
    resource : str
        What ran out: ``"cores"``, a core's ``"neurons"``, ``"axons"`` or ``"synapses"``, ``"fan_in"``
        (synapses into one neuron), ``"relay_neurons"``, ``"output_axons"`` (edges a core sends), ``"delay"``
        (ticks), or a packet field (``"dx"``, ``"dy"``, ``"core"``, ``"axon"``).
    need : int
        What the network needs (the worst offender's count).
    limit : int
        What the chip allows: the largest value, or with ``bound="min"`` the smallest.
    layer, chip : str, optional
        The population (layer) and the chip config's name, where known.
    bound : {"max", "min"}
        Whether ``limit`` is an upper (default) or a lower bound.
    message : str, optional
        A :meth:`str.format` template for the message; it sees ``resource, need, limit, layer, chip, over``,
        ``where`` (the layer, else the chip) and the ``context`` names. Default: :attr:`DEFAULT_MESSAGE`.
    **context
        Further named values of the message (a neuron or source id, a projection label...), kept in
        ``self.context``.
    """

    DEFAULT_MESSAGE = "{where}: needs {need} {resource}; the limit is {limit} (over by {over})"

    def __init__(self, resource: str, need: int, limit: int, *, layer: str | None = None, chip: str | None = None,
                 bound: str = "max", message: str | None = None, **context):
        if bound not in ("max", "min"):
            raise ValueError(f"CapacityError bound {bound!r}: allowed 'max' or 'min'")
        self.resource, self.need, self.limit = resource, int(need), int(limit)
        self.layer, self.chip, self.bound = layer, chip, bound
        self.context = dict(context)
        self._message = message
        super().__init__(self._format())

    @property
    def over(self) -> int:
        """By how much the need misses the limit (> 0 for every raised error)."""
        return self.need - self.limit if self.bound == "max" else self.limit - self.need

    def _format(self) -> str:
        where = f"layer {self.layer!r}" if self.layer is not None else f"chip {self.chip!r}" if self.chip else "chip"
        return (self._message or self.DEFAULT_MESSAGE).format(
            resource=self.resource, need=self.need, limit=self.limit, layer=self.layer, chip=self.chip,
            over=self.over, where=where, **self.context)

    def __reduce__(self):
        # Exceptions pickle as cls(*args); this one needs its attributes back (multiprocessing, sweeps).
        kwargs = dict(layer=self.layer, chip=self.chip, bound=self.bound, message=self._message, **self.context)
        return _rebuild_capacity_error, (type(self), self.resource, self.need, self.limit, kwargs)


def _rebuild_capacity_error(cls, resource, need, limit, kwargs):
    return cls(resource, need, limit, **kwargs)


class SimulationError(NeuroMeshError):
    """A run cannot proceed (bad inputs, shapes, or encoder options)."""
