"""Neuron models, one unit per model, found by their YAML name (``cfg.neuron.model``).

The split follows Lava's process-versus-model: the *spec* of a model is its config block in
:mod:`chip_configs.schema` (widths, overflow policies; the foundation package, which imports nothing from
here) and its parameter record; the *behaviour* is its unit here (:class:`cores.models.base.NeuronModel`).
Everything else (the core array, the oracle, the harness, program validation, mapping, the emulator) looks the
unit up with :func:`model_of` / :func:`get_model` and asks it, or asks its :class:`Capabilities`; nothing
outside this package branches on a model's name.

Adding a model
--------------
A new model ``foo`` touches its unit, its kernels and, for its YAML, its config block:

1. ``chip_configs/schema.py``: a pydantic block ``FooNeuron`` with ``model: Literal["foo"]`` and its widths,
   added to the ``NeuronConfig`` union, with ``problems(core)`` (cross-field checks, e.g. axon types) and
   ``core_memory_bits(core)`` (storage of a full core) methods like the other blocks; a preset
   ``chip_configs/foo.yaml``.
2. ``cores/models/foo.py`` with a ``MODEL`` instance of a :class:`~cores.models.base.NeuronModel` subclass
   providing:

   - ``name`` (= the YAML tag), ``config_block``, ``preset``, ``capabilities``;
   - ``Params``: a frozen :class:`cores.params.ParamRecord` dataclass, one int64 array per hardware parameter,
     with ``ranges(cfg)`` (the range table drives validation and the tests' edge values);
   - the free NumPy oracle ``integrate(cfg, p, syn, count, draws)`` and ``step(cfg, p, state, inp, draws)``,
     vectorised over any number of neurons, callable without a chip;
   - ``registers(cfg)`` (names, dtypes, widths, presence, initial-value parameter, overflow policy and wrap
     convention: Lava's (-H, H] or two's complement [-H, H), as the hardware holds the register) and the
     memory rule (``synapse_memory_bits``, ``synapse_capacity``, optionally ``neuron_weight_bits``);
   - the kernel side: ``record_dtype`` (NumPy twin of the C record, checked against
     ``_kernels.record_sizes()[kernel_record]`` at import), ``rest_flag``, ``record_columns``,
     ``kernel_options``, ``input_scale_bits``, ``make_crossbar`` (a :mod:`cores.crossbar` layout), and the
     compiled entry points ``update(core_array)`` and ``direct(...)``.
3. Register ``foo.MODEL`` in :data:`MODELS` below. ``tests/cores/test_models.py`` then checks the unit
   against this interface and runs its oracle against its kernels.
4. For mapping networks onto it: a quantiser in ``mapping.quantize.QUANTIZERS`` and a program builder in
   ``mapping.programs.BUILDERS``, both keyed by the name; without them the mapper refuses the chip by name.
"""

from __future__ import annotations

from chip_configs.errors import ConfigError
from chip_configs.schema import as_core_spec
from cores.models import loihi_lif, truenorth
from cores.models.base import Capabilities, Draws, NeuronModel, Register, Synapses
from cores.params import ParamRange, ParamRecord

MODELS: dict[str, NeuronModel] = {m.name: m for m in (loihi_lif.MODEL, truenorth.MODEL)}


def get_model(name: str) -> NeuronModel:
    """The unit registered as ``name`` (ConfigError naming the allowed names otherwise)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(f"neuron.model: {name!r} is not a registered neuron model; allowed: "
                          f"{', '.join(sorted(MODELS))}") from None


def model_of(cfg) -> NeuronModel:
    """The unit of chip config ``cfg`` (its ``cfg.neuron.model``)."""
    return get_model(cfg.neuron.model)


def models_with(capability: str) -> tuple[str, ...]:
    """Names of the registered models that have ``capability`` (a :class:`Capabilities` field)."""
    return tuple(name for name, m in MODELS.items() if getattr(m.capabilities, capability))


def param_ranges(cfg) -> dict[str, ParamRange]:
    """Ranges of the parameters of the model ``cfg.neuron.model``."""
    cfg = as_core_spec(cfg)
    return model_of(cfg).ranges(cfg)


def validate_params(cfg, params: dict, n_neurons: int, core_index: int = 0) -> ParamRecord:
    """Check per-neuron parameters against the config's ranges; return the model's frozen parameter record.

    Parameters
    ----------
    cfg : CoreSpec or ChipConfig
        Gives the model (``cfg.neuron.model``) and the widths.
    params : dict
        Parameter name -> scalar or array (n,) / (n, axon_types); missing names default to 0.
    n_neurons : int
        Neurons in the core.
    core_index : int
        Named in error messages.

    Raises
    ------
    ProgramError
        Unknown name, non-integer dtype, wrong shape, or a value out of range (names core, parameter, neuron,
        value, allowed range and the count of offenders).
    """
    cfg = as_core_spec(cfg)
    return model_of(cfg).validate_params(cfg, params, n_neurons, core_index)


__all__ = ["MODELS", "Capabilities", "Draws", "NeuronModel", "ParamRange", "ParamRecord", "Register", "Synapses",
           "get_model", "model_of", "models_with", "param_ranges", "validate_params"]
