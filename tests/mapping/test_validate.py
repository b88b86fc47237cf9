"""Validation checks: messages name the core / link, the quantity, the value and the limit."""

import numpy as np
import pytest

from chip_configs.errors import CapacityError
from chip_configs.schema import config_from_dict, config_to_dict, load_config
from mapping.mapper import map_network
from mapping.network import LIF, Input, Network, Output, Population, Projection
from mapping.validate import (
    Check,
    Limits,
    check_functional,
    check_precision,
    check_timing,
    functional_numbers,
    verdict,
)


def test_delay_beyond_the_packet_field_is_refused():
    net = Network([Input("x", 2)], [Population("h", 2, LIF()), Population("o", 2, LIF())],
                  [Projection("x", "h", np.eye(2)), Projection("h", "o", np.eye(2), 9)], [Output("out", "o")])
    with pytest.raises(CapacityError, match=r"layer 'h' core \d+: delay 9 does not fit the packet field \(max 4\)"):
        map_network(net, "tiny")


def test_timing_check_names_the_hot_core_on_a_short_tick(digits_net):
    d = config_to_dict(load_config("truenorth"))
    d["sync"]["tick_period_ns"] = 5000.0
    cfg = config_from_dict(d)
    mapped, _ = map_network(digits_net, cfg)
    chk = check_timing(cfg, mapped, None, None)
    assert chk.status == "warn"
    assert any("worst-case busy time: core" in m and "of a 5000 ns tick" in m for m in chk.messages)
    assert "busiest link" in chk.messages[0]


def test_functional_and_verdict():
    ref = np.array([[3, 1], [0, 2], [1, 1]])
    chip = np.array([[3, 0], [2, 0], [1, 1]])
    nums = functional_numbers(ref, chip, labels=np.array([0, 1, 0]))
    assert nums["class_agreement"] == pytest.approx(2 / 3) and nums["accuracy_float"] == 1.0
    chk = check_functional(nums, Limits(min_class_agreement=0.95))
    assert chk.status == "fail" and "66.7 % of 3 samples (limit 95 %)" in chk.messages[0]
    v = verdict([chk, Check("capacity", "ok")])
    assert not v.go and v.reasons[0].startswith("functional: predicted classes agree on 66.7 %")
    assert v.to_dict()["verdict"] == "no-go"


def test_precision_warns_with_layer_names():
    summary = {"layers": [{"name": "fc1", "weight_rel_rms": 0.3, "frac_clipped": 0.0, "frac_zeroed": 0.5,
                           "threshold_rel_err": 1e-3, "notes": ["linear leak"]}]}
    chk = check_precision(summary, Limits())
    assert chk.status == "warn" and "layer 'fc1': weight rel. RMS error 0.3000 (limit 0.1)" in chk.messages[0]


def test_capacity_does_not_warn_for_resources_full_by_design():
    from mapping.validate import check_capacity

    def summary(layer, resource, copies):
        return {"cores_used": 3, "cores_available": 4096, "layers": [{"name": "h", "axon_copies": copies}],
                "tightest": [{"resource": resource, "utilisation": 1.0, "core": 7, "layer": layer, "value": 256,
                              "limit": 256}]}

    chk = check_capacity(summary("h", "axons", [4, 4]), Limits())
    assert chk.status == "ok" and "[up to 4 axon copies per source fill the axons]" in chk.messages[1]
    assert check_capacity(summary("<splitters>", "neurons", [4, 4]), Limits()).status == "ok"
    assert check_capacity(summary("h", "axons", [1, 1]), Limits()).status == "warn"
    assert check_capacity(summary("h", "synapses", [4, 4]), Limits()).status == "warn"
