"""CapacityError carries the resource, the need, the limit (and the layer and chip where known) at every raise site
kind; the message is built from the same numbers."""

import pickle

import numpy as np
import pytest

from chip_configs.errors import CapacityError, MappingError
from chip_configs.schema import config_from_dict, config_to_dict, load_config
from mapping.mapper import map_network
from mapping.network import IF, LIF, Input, Network, Output, Population, Projection
from mapping.partition import _slice_copies, source_offsets, synapse_table
from mapping.placement import Traffic, place_sequential
from mapping.routing_tables import check_packet_fields
from mapping.validate import capacity_failure
from tests.mapping.test_mapper import two_layer
from tests.mapping.test_truenorth_duplication import fan_network, small_cfg, small_truenorth


def tiny(**core):
    d = config_to_dict(load_config("tiny"))
    d["core"].update(core)
    return config_from_dict(d)


def refusal(net, cfg, **kw) -> CapacityError:
    with pytest.raises(CapacityError) as info:
        map_network(net, cfg, **kw)
    return info.value


def assert_numbers(err: CapacityError, resource, need, limit, layer=None, chip=None):
    assert (err.resource, err.need, err.limit, err.layer, err.chip) == (resource, need, limit, layer, chip), err
    assert err.over > 0
    assert str(need) in str(err) and str(limit) in str(err)


def chain(n_pre: int, n_post: int, delay: int = 1, n_in: int = 1) -> Network:
    """x -> a (n_pre IF neurons, one input each) -> b (n_post neurons, all-to-all) with ``delay`` on a -> b."""
    return Network([Input("x", n_in)], [Population("a", n_pre, IF(threshold=0.5)), Population("b", n_post, IF())],
                   [Projection("x", "a", np.ones((n_pre, n_in))),
                    Projection("a", "b", np.ones((n_post, n_pre)), delay)], [Output("o", "b")])


def test_cores():
    wide = Network([Input("x", 10)], [Population("h", 40, LIF())], [Projection("x", "h", np.ones((40, 10)))],
                   [Output("o", "h")])
    err = refusal(wide, "tiny")
    assert_numbers(err, "cores", 5, 4, layer="h", chip="tiny")
    assert err.over == 1 and err.context["layer_cores"] == 5


def test_fan_in():
    err = refusal(two_layer(n_in=20), "tiny")
    assert_numbers(err, "fan_in", 20, 16, layer="h", chip="tiny")
    assert err.context == {"neuron": 0, "n_over": 14}


def test_one_neuron_over_a_core_resource():
    # 10 synapses of memory per core (90 bits of 9-bit weights); a neuron with 12 inputs needs 12
    err = refusal(two_layer(n_in=12), tiny(synapse_memory_bits=90))
    assert_numbers(err, "synapses", 12, 10, layer="h", chip="tiny")


def test_axons_of_one_neuron():
    net = two_layer(n_in=3)
    table = synapse_table(net, "h", source_offsets(net))
    with pytest.raises(CapacityError) as info:
        _slice_copies("h", table, 0, {"neurons": 8, "axons": 2, "synapses": 128}, 1)
    assert_numbers(info.value, "axons", 3, 2, layer="h")
    assert info.value.context == {"neuron": 0}


def test_relay_neurons_of_one_source():
    err = refusal(fan_network(), small_truenorth(), axon_copies=4, placer="greedy")
    assert_numbers(err, "relay_neurons", 20, 16)
    assert err.context["n_dest"] == 20


def test_output_edges_through_a_splitter():
    net = chain(8, 24)
    err = refusal(net, small_cfg(max_output_axons_per_core=1), axon_copies=1)
    assert_numbers(err, "output_axons", 2, 1)


def test_output_edges_of_a_layer():
    # one neuron of 'a' feeds 3 cores of 'b' (8 neurons each): 3 edges, the chip allows 2 per core
    err = refusal(chain(1, 24), tiny(max_output_axons_per_core=2))
    assert_numbers(err, "output_axons", 3, 2, layer="a", chip="tiny")


def test_delay_plus_a_relay_tick():
    # 'a' feeds 9 slices of 'b' (over max_fan_out 8): a splitter relay adds a tick to the delay 4 = delay_slots
    err = refusal(chain(1, 72, delay=4), "tiny")
    assert_numbers(err, "delay", 5, 4, layer="a", chip="tiny")
    assert err.context["projection"]


def test_packet_fields():
    net = Network([Input("x", 2)], [Population("h", 2, LIF()), Population("o", 2, LIF())],
                  [Projection("x", "h", np.eye(2)), Projection("h", "o", np.eye(2), 9)], [Output("out", "o")])
    err = refusal(net, "tiny")
    assert_numbers(err, "delay", 9, 4, layer="h", chip="tiny")
    assert err.context["what"].startswith("layer 'h' core ")
    inputs = Network([Input("x", 2)], [Population("h", 2, LIF())], [Projection("x", "h", np.eye(2), 9)],
                     [Output("out", "h")])
    err = refusal(inputs, "tiny")
    assert_numbers(err, "delay", 9, 4, chip="tiny")
    assert err.context["what"] == "input lines"


def test_delay_below_one_is_a_lower_bound():
    with pytest.raises(CapacityError) as info:
        check_packet_fields(load_config("tiny"), 0, np.array([1]), np.array([0]), np.array([0]), "layer 'h' core 0")
    err = info.value
    assert (err.resource, err.need, err.limit, err.bound, err.over) == ("delay", 0, 1, "min", 1)
    assert str(err) == "layer 'h' core 0: delay 0; the chip needs >= 1"


def test_placement():
    empty = np.zeros(0, np.int64)
    with pytest.raises(CapacityError) as info:
        place_sequential(Traffic(5, empty, empty, empty.astype(float)), load_config("tiny"))
    assert_numbers(info.value, "cores", 5, 4, chip="tiny")


def test_default_message_pickling_and_the_validation_verdict():
    err = CapacityError("axons", 5000, 4096, layer="h", chip="loihi")
    assert str(err) == "layer 'h': needs 5000 axons; the limit is 4096 (over by 904)"
    back = pickle.loads(pickle.dumps(err))
    assert (back.resource, back.need, back.limit, back.layer, str(back)) == ("axons", 5000, 4096, "h", str(err))
    assert isinstance(back, MappingError)
    check = capacity_failure(err).checks[0]
    assert check.data == {"resource": "axons", "need": 5000, "limit": 4096, "layer": "h", "chip": "loihi"}
    with pytest.raises(ValueError, match="bound"):
        CapacityError("axons", 1, 2, bound="above")
