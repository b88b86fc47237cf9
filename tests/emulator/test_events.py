"""One event enumeration: every Python user, the C header and the compiled kernels agree with
chip_configs.events.Event field by field; a mismatch is an ImportError naming the field."""

import re
from pathlib import Path

import pytest

from chip_configs.events import (
    CORE_EVENTS,
    COUNT_FIELD,
    ENERGY_KEY,
    EVENT_NAMES,
    N_CORE_EVENTS,
    N_EVENTS,
    Event,
    check_columns,
    expected_columns,
)
from chip_configs.schema import load_config
from cores import COUNTER_NAMES
from cores.tables import _kernels
from emulator import _tick, energy

ROOT = Path(__file__).resolve().parents[2]


def test_columns_names_and_energy_keys():
    assert [int(e) for e in Event] == list(range(N_EVENTS))
    assert EVENT_NAMES == ("syn_ops", "neuron_updates_active", "neuron_updates_inactive", "spikes", "packets",
                           "hops_ew", "hops_ns", "deliveries")
    assert set(ENERGY_KEY) == set(Event)
    energy_fields = set(load_config("loihi").energy.model_dump())
    assert all(key in energy_fields for key in ENERGY_KEY.values())
    assert tuple((e.label, ENERGY_KEY[e]) for e in Event) == energy.EVENTS


def test_core_counters_are_a_prefix_of_the_events():
    assert tuple(Event)[:N_CORE_EVENTS] == CORE_EVENTS
    assert EVENT_NAMES[:N_CORE_EVENTS] == COUNTER_NAMES


def test_compiled_columns_equal_the_enumeration():
    assert expected_columns(tuple(Event)) == _tick.EVENT_COLUMNS
    assert expected_columns(CORE_EVENTS, count=False) == _kernels.COUNTER_COLUMNS


def _header_enum() -> dict[str, int]:
    text = (ROOT / "emulator" / "_events.h").read_text()
    body = re.search(r"enum\s*\{([^}]*NM_SYN[^}]*)\}", text).group(1)
    return {name: int(val) for name, val in re.findall(r"(NM_\w+)\s*=\s*(\d+)", body)}


def test_header_text_is_exposed_field_by_field():
    """Every constant of the header's column enum is named in _tick's EVENT_COLUMNS (so the import check sees
    it), under the label of the Event with that column."""
    header = _header_enum()
    pyx = (ROOT / "emulator" / "_tick.pyx").read_text()
    exposed = dict(re.findall(r'"(\w+)": (NM_\w+)', pyx))
    assert sorted(exposed.values()) == sorted(header)
    want = expected_columns(tuple(Event))
    assert {label: header[name] for label, name in exposed.items()} == want


@pytest.mark.parametrize("columns, field", [
    ({**expected_columns(tuple(Event)), "hops_ns": 5}, "hops_ns"),
    ({k: v for k, v in expected_columns(tuple(Event)).items() if k != "deliveries"}, "deliveries"),
    ({**expected_columns(tuple(Event)), "flits": 8}, "flits"),
    ({**expected_columns(tuple(Event)), COUNT_FIELD: 9}, COUNT_FIELD),
])
def test_a_mismatch_is_an_import_error_naming_the_field(columns, field):
    with pytest.raises(ImportError, match=rf"emulator/_events\.h: event column '{field}' is"):
        check_columns("emulator/_events.h", columns)


def test_the_core_prefix_is_checked_alone():
    check_columns("cores/_kernels.pyx", expected_columns(CORE_EVENTS, False), CORE_EVENTS, count=False)
    with pytest.raises(ImportError, match="'packets'"):
        check_columns("cores/_kernels.pyx", {**expected_columns(CORE_EVENTS, False), "packets": 4}, CORE_EVENTS,
                      count=False)
    with pytest.raises(ImportError, match="'n_events'"):
        check_columns("cores/_kernels.pyx", expected_columns(CORE_EVENTS), CORE_EVENTS, count=False)
