"""NIR graph -> :class:`~mapping.network.Network`.

A NIR file stores continuous-time neurons and no dt; the exporting framework's conventions decide how to
step them. Each framework has a reader, looked up by name in :data:`mapping.nir_frameworks.FRAMEWORKS`
(``snntorch``, ``norse``, ``sinabs``, ``spikingjelly``, ``rockpool``, ``lava-dl``, ``euler``), which gives
the per-step decays and gains and the reset, spike test and spike count the framework itself uses;
``framework="auto"`` takes the exporter named in the graph's metadata, else the one whose parameter
signature the graph carries, and refuses to guess otherwise (see ``mapping/README.md``).

Files whose Input/Output shapes carry batch or time dimensions (Norse, Sinabs, Rockpool) fail ``nir.read``'s
type check; they are read without it and the shapes normalised, each change recorded in
``network.metadata['import_notes']``.

Graph rules: spiking nodes (Input, LIF, CubaLIF, IF, LI) become Inputs/Populations; the linear nodes
between them (Affine, Linear, Scale, Conv2d, Flatten, SumPool2d, AvgPool2d; nested NIRGraphs flattened)
are composed into one sparse projection per (source, target) pair; several edges into a node are summed;
cycles through a neuron node (snnTorch's RLeaky: LIF -> Affine -> LIF) become recurrent projections (one
tick of delay, the previous step's spikes). Affine biases become neuron biases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from chip_configs.errors import MappingError
from chip_configs.npz import quote
from mapping import layers
from mapping.network import Input, Network, Output, Population, Projection
from mapping.nir_frameworks import FRAMEWORKS, Reader, choose_reader
from mapping.nir_neurons import NEURON_BUILDERS

SUPPORTED = ("Input", "Output", "Affine", "Linear", "Scale", "Flatten", "Conv1d", "Conv2d", "SumPool2d",
             "AvgPool2d", "Delay", "LIF", "CubaLIF", "IF", "LI", "NIRGraph")
NEURON_NODES = ("LIF", "CubaLIF", "IF", "LI")
LINEAR_NODES = ("Affine", "Linear", "Scale", "Flatten", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Delay",
                "_Identity")


class _Identity:
    """Pass-through node standing for a flattened subgraph's Input/Output."""


# ----- entry point ------------------------------------------------------------------------------------


def read_nir(source, framework: str = "auto", dt: float | None = None, reset: str | None = None,
             name: str | None = None, spikes: str | None = None) -> Network:
    """Import a NIR graph (a ``.nir`` path or a ``nir.NIRGraph``) as a :class:`Network`.

    Parameters
    ----------
    source : str, Path or nir.NIRGraph
    framework : {'auto', 'snntorch', 'norse', 'sinabs', 'spikingjelly', 'rockpool', 'lava-dl', 'euler'}
        The exporter, whose reader (:mod:`mapping.nir_frameworks`) turns parameters into per-step dynamics;
        ``auto`` identifies it from the graph's metadata or parameter signature and refuses to guess;
        ``euler`` needs ``dt``.
    dt : float, optional
        Step in seconds; overrides the framework's.
    reset : {'zero', 'subtract'}, optional
        Reset of every spiking population; default: the framework's (NIR only states ``v_reset``).
        'subtract' needs ``v_reset == 0``; for snnTorch it is snnTorch's subtraction, one step later.
    spikes : {'single', 'multi'}, optional
        One spike per step or ``floor(v / threshold)``; default: the framework's (Sinabs, Rockpool: multi).

    Raises
    ------
    MappingError
        Unsupported node or parameter (names the node, what is unsupported and what is supported).
    """
    if not isinstance(source, (str, Path)):
        return _read_graph(source, [], framework, dt, reset, name, spikes)
    try:
        return _read_graph(_load(source, notes := []), notes, framework, dt, reset, name or Path(source).stem,
                           spikes)
    except MappingError as exc:   # every problem of a file names the file
        raise MappingError(str(exc) if str(exc).startswith(str(source)) else f"{source}: {exc}") from None
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:   # a malformed graph
        raise MappingError(f"{source}: malformed NIR graph: {type(exc).__name__}: {quote(str(exc), 200)}") from None


def _read_graph(graph, notes: list[str], framework, dt, reset, name, spikes) -> Network:
    """The body of :func:`read_nir` on a loaded graph."""
    nodes, edges = _flatten(graph)
    _check_types(nodes)
    _check_ends(nodes)
    reader = choose_reader(nodes, getattr(graph, "metadata", None), framework, dt)
    io_shapes = _normalise_io_shapes(nodes, edges, notes)
    shapes = _infer_shapes(nodes, edges, io_shapes)
    _check_outputs(nodes, shapes, notes)
    builder = _Builder(nodes, edges, shapes, reader, reset, spikes)
    return builder.network(name or "nir", notes)


def _load(source, notes: list[str]):
    """The NIRGraph of ``source``; a file whose shapes fail nir's strict type check is read without it (noted).

    Norse, Sinabs and Rockpool write batch or time dimensions into Input/Output shapes ([1, 64], [25, 64],
    [1, 1, 10]), which ``nir.read``'s type inference refuses; the shapes are normalised afterwards
    (:func:`_normalise_io_shapes`), so the check is not needed to read the graph.
    """
    import nir

    if isinstance(source, (str, Path)):
        if not Path(source).exists():
            raise MappingError(f"{source}: file not found")
        try:
            return nir.read(str(source))
        except Exception as exc:  # nir raises whatever h5py or its parsers raise
            first = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        try:
            graph = nir.read(str(source), type_check=False)
        except Exception as exc:
            raise MappingError(f"{source}: cannot read as NIR: {type(exc).__name__}: {exc}") from None
        notes.append(f"{Path(source).name}: nir's type check refused the file ({first}); read without it, "
                     "its Input/Output shapes normalised (next notes)")
        return graph
    return source


def _type(node) -> str:
    return type(node).__name__


def _flatten(graph, prefix: str = "") -> tuple[dict, list]:
    """Nodes and edges with nested NIRGraphs inlined (their Input/Output become pass-through nodes)."""
    nodes, edges = {}, []
    for key, node in graph.nodes.items():
        full = prefix + key
        if _type(node) == "NIRGraph":
            sub_nodes, sub_edges = _flatten(node, full + ".")
            nodes.update(sub_nodes)
            edges += sub_edges
        elif prefix and _type(node) in ("Input", "Output"):
            nodes[full] = _Identity()
        else:
            nodes[full] = node
    for src, dst in graph.edges:
        edges.append((_endpoint(graph, prefix, src, "output"), _endpoint(graph, prefix, dst, "input")))
    return nodes, edges


def _endpoint(graph, prefix: str, key: str, kind: str) -> str:
    """An edge endpoint naming a subgraph resolves to that subgraph's Input (``kind='input'``) or Output node."""
    node = graph.nodes.get(key)
    if node is not None and _type(node) == "NIRGraph":
        wanted = "Input" if kind == "input" else "Output"
        inner = [k for k, n in node.nodes.items() if _type(n) == wanted]
        if len(inner) != 1:
            raise MappingError(f"node {prefix + key!r}: a nested graph needs exactly one {wanted} node to connect "
                               f"to; found {len(inner)}")
        return f"{prefix}{key}.{inner[0]}"
    return prefix + key


def _check_ends(nodes: dict) -> None:
    """A graph to map needs an Input, a neuron node and an Output; an empty one would map to a 0-core chip."""
    kinds = {_type(n) for n in nodes.values()}
    for need, what in (("Input", "an Input node"), ("Output", "an Output node (the readout)")):
        if need not in kinds:
            raise MappingError(f"the graph has no {need} node ({len(nodes)} node(s): "
                               f"{quote(sorted(kinds)) if nodes else 'empty'}); a mappable graph needs {what}")
    if not kinds & set(NEURON_NODES):
        raise MappingError(f"the graph has no neuron node; supported: {', '.join(NEURON_NODES)}")


def _finite(key: str, kind: str, field: str, value) -> np.ndarray:
    """``value`` as float64, or an error naming the node and the parameter holding NaN or infinity."""
    a = np.asarray(value, dtype=np.float64)
    if not np.isfinite(a).all():
        bad = a[~np.isfinite(a)]
        raise MappingError(f"node {key!r} ({kind}): {field} holds {int(bad.size)} non-finite value(s) "
                           f"({quote(bad[:3].tolist())}); allowed: finite numbers")
    return a


def _check_types(nodes: dict) -> None:
    for key, node in nodes.items():
        kind = _type(node)
        if kind not in SUPPORTED and not isinstance(node, _Identity):
            raise MappingError(f"node {key!r}: type {kind} is not supported; supported: {', '.join(SUPPORTED)}")


# ----- shapes ------------------------------------------------------------------------------------------------


def _declared(node) -> tuple | None:
    """The shape an Input/Output node declares (``input_type['input']`` / ``output_type['output']``)."""
    t = node.input_type.get("input") if _type(node) == "Input" else node.output_type.get("output")
    return tuple(int(s) for s in np.asarray(t).reshape(-1)) if t is not None and np.size(t) else None


def _wanted_input(node) -> tuple[str, int] | None:
    """What a node fed by an Input needs: ('size', n) of a flat input or ('ndim', 3) for a convolution."""
    kind = _type(node)
    if kind in ("Affine", "Linear"):
        return "size", int(np.shape(node.weight)[1])
    if kind in ("Conv1d", "Conv2d"):
        return "ndim", 2 if kind == "Conv1d" else 3
    if kind in NEURON_NODES or kind == "Scale":
        shp = _param_shape(node)
        return ("size", int(np.prod(shp))) if shp else None
    return None


def _strip_leading(shape: tuple, want: tuple[str, int]) -> tuple | None:
    """``shape`` without the most leading dimensions that still fit ``want``; None when no cut fits."""
    for cut in range(len(shape) - 1, -1, -1):
        rest = shape[cut:]
        if (want[0] == "size" and int(np.prod(rest)) == want[1]) or (want[0] == "ndim" and len(rest) == want[1]):
            return rest
    return None


def _normalise_io_shapes(nodes: dict, edges: list, notes: list[str]) -> dict[str, tuple]:
    """Input shapes without the batch / time dimensions some exporters write (Norse [1, 64], Sinabs [25, 64]).

    An Input's declared shape is cut at the front until it fits what the node it feeds needs (the in-features
    of an Affine/Linear, (C, H, W) for a Conv2d, a neuron's size); each cut is recorded in ``notes``. Output
    shapes are taken from the node they read (checked after shape inference, :func:`_check_outputs`).
    """
    out: dict[str, tuple] = {}
    for key, node in nodes.items():
        if _type(node) != "Input" or (shape := _declared(node)) is None:
            continue
        wants = [w for w in (_wanted_input(nodes[d]) for s, d in edges if s == key) if w is not None]
        fixed = _strip_leading(shape, wants[0]) if wants else shape
        if fixed is None:
            raise MappingError(f"node {key!r} (Input): shape {list(shape)} does not fit the node it feeds "
                               f"({wants[0][0]} {wants[0][1]}), even without leading (batch/time) dimensions")
        if fixed != shape:
            notes.append(f"node {key!r} (Input): shape {list(shape)} read as {list(fixed)} (leading batch/time "
                         f"dimension(s) {list(shape[:len(shape) - len(fixed)])} dropped)")
        out[key] = fixed
    return out


def _check_outputs(nodes: dict, shapes: dict, notes: list[str]) -> None:
    """Note every Output whose declared shape differs from the node it reads only by leading dimensions."""
    for key, node in nodes.items():
        if _type(node) != "Output" or (shape := _declared(node)) is None or shape == shapes[key]:
            continue
        if _strip_leading(shape, ("size", int(np.prod(shapes[key])))) is None:
            raise MappingError(f"node {key!r} (Output): declared shape {list(shape)} does not match the "
                               f"{list(shapes[key])} values of the node it reads")
        notes.append(f"node {key!r} (Output): shape {list(shape)} read as {list(shapes[key])} (leading "
                     "batch/time dimension(s) dropped)")


def _infer_shapes(nodes: dict, edges: list, fixed: dict | None = None) -> dict[str, tuple]:
    """Output shape of every node, propagated along the edges until nothing changes (``fixed``: Input shapes)."""
    preds = _predecessors(nodes, edges)
    shapes: dict[str, tuple] = dict(fixed or {})
    for _ in range(len(nodes) + 1):
        changed = False
        for key, node in nodes.items():
            if key in (fixed or {}):
                continue
            ins = [shapes[p] for p in preds[key] if p in shapes]
            shp = _out_shape(key, node, ins[0] if ins else None)
            if shp is not None and shapes.get(key) != shp:
                shapes[key], changed = shp, True
        if not changed:
            break
    missing = [k for k in nodes if k not in shapes]
    if missing:
        raise MappingError(f"cannot infer the shape of node(s) {missing}: give their input_type / input_shape")
    return shapes


def _predecessors(nodes: dict, edges: list) -> dict[str, list[str]]:
    preds: dict[str, list[str]] = {k: [] for k in nodes}
    for src, dst in edges:
        for end in (src, dst):
            if end not in nodes:
                raise MappingError(f"edge {src!r} -> {dst!r}: node {end!r} does not exist")
        preds[dst].append(src)
    return preds


def _param_shape(node) -> tuple | None:
    kind = _type(node)
    field = {"LIF": "tau", "CubaLIF": "tau_mem", "IF": "v_threshold", "LI": "tau", "Scale": "scale",
             "Delay": "delay"}[kind]
    shp = np.shape(getattr(node, field))
    return tuple(int(s) for s in shp) if shp and int(np.prod(shp)) > 1 else None


def _out_shape(key: str, node, in_shape: tuple | None) -> tuple | None:
    kind = _type(node)
    if kind == "Input":
        return _declared(node) or in_shape
    if kind == "Output":
        return in_shape or _declared(node)
    if kind in NEURON_NODES or kind in ("Scale", "Delay"):
        return _param_shape(node) or in_shape
    if kind in ("Affine", "Linear"):
        return (int(np.shape(node.weight)[0]),)
    if kind == "Flatten":
        return (int(np.prod(in_shape)),) if in_shape is not None else None
    if in_shape is None:
        return None
    if kind == "Conv2d":
        return _conv_map(key, node, in_shape)[1]
    if kind == "Conv1d":
        return _conv1d_map(key, node, in_shape)[1]
    if kind in ("SumPool2d", "AvgPool2d"):
        return _pool_map(key, node, in_shape)[1]
    return in_shape  # _Identity


# ----- linear maps -------------------------------------------------------------------------------------------------


def _conv_map(key: str, node, in_shape: tuple):
    if len(in_shape) != 3:
        raise MappingError(f"node {key!r} (Conv2d): input shape {in_shape}; supported: (C, H, W)")
    return layers.conv2d_coo(np.asarray(node.weight), in_shape, node.stride, node.padding, node.dilation,
                             int(node.groups))


def _conv1d_map(key: str, node, in_shape: tuple):
    """A Conv1d over (C, N) as a Conv2d over (C, 1, N) with a (1, K) kernel: same synapses, same order."""
    if len(in_shape) != 2:
        raise MappingError(f"node {key!r} (Conv1d): input shape {in_shape}; supported: (C, N)")
    w = np.asarray(node.weight, dtype=np.float64)
    if w.ndim != 3:
        raise MappingError(f"node {key!r} (Conv1d): weight shape {w.shape}; supported: (C_out, C_in / groups, K)")
    pad = node.padding if isinstance(node.padding, str) else _row(node.padding, 0)
    coo, (c_out, _, n_out) = layers.conv2d_coo(w[:, :, None, :], (in_shape[0], 1, in_shape[1]), _row(node.stride, 1),
                                               pad, _row(node.dilation, 1), int(node.groups))
    return coo, (c_out, n_out)


def _row(value, height: int) -> tuple[int, int]:
    """A 1-D stride / padding / dilation as the (height, width) pair of a one-row 2-D convolution."""
    return height, int(np.asarray(value).reshape(-1)[0])


def _pool_map(key: str, node, in_shape: tuple):
    if len(in_shape) != 3:
        raise MappingError(f"node {key!r} ({_type(node)}): input shape {in_shape}; supported: (C, H, W)")
    return layers.pool2d_coo(in_shape, node.kernel_size, node.stride, node.padding,
                             average=_type(node) == "AvgPool2d")


def _linear_map(key: str, node, in_shape: tuple, out_shape: tuple):
    """(COO map, bias vector) of a linear node acting on a flattened input of ``in_shape``."""
    n_in, n_out = int(np.prod(in_shape)), int(np.prod(out_shape))
    kind = _type(node)
    bias = np.zeros(n_out)
    if kind in ("Affine", "Linear"):
        w = _finite(key, kind, "weight", node.weight)
        if w.ndim != 2 or w.shape[1] != n_in:
            raise MappingError(f"node {key!r} ({kind}): weight {w.shape} does not take an input of {n_in} values; "
                               "supported: 2-D weights (out, in)")
        if kind == "Affine":
            bias = _finite(key, kind, "bias", node.bias).reshape(-1) * np.ones(n_out)
        return layers.dense_coo(w), bias
    if kind == "Scale":
        return layers.identity_coo(n_in, _finite(key, kind, "scale", node.scale).reshape(-1)), bias
    if kind in ("Conv1d", "Conv2d"):
        _finite(key, kind, "weight", node.weight)
        coo, _ = (_conv1d_map if kind == "Conv1d" else _conv_map)(key, node, in_shape)
        b = _finite(key, kind, "bias", node.bias).reshape(-1)
        return coo, np.repeat(b, n_out // max(b.size, 1)) if b.size else bias
    if kind in ("SumPool2d", "AvgPool2d"):
        return _pool_map(key, node, in_shape)[0], bias
    return layers.identity_coo(n_in), bias  # Flatten, _Identity


# ----- the builder ---------------------------------------------------------------------------------------------------


class _Builder:
    """Turns the flattened graph into populations and composed projections."""

    def __init__(self, nodes, edges, shapes, reader: Reader, reset: str | None, spikes: str | None):
        self.nodes, self.shapes, self.reader, self.reset, self.spikes = nodes, shapes, reader, reset, spikes
        self.preds = _predecessors(nodes, edges)
        self._memo: dict[str, dict] = {}

    def size(self, key: str) -> int:
        return int(np.prod(self.shapes[key]))

    def is_source(self, key: str) -> bool:
        return _type(self.nodes[key]) in ("Input", *NEURON_NODES)

    # Sum of every linear path into ``key``: {(source, lag): (coo map source -> key, bias of key)}; ``lag`` is
    # the steps of NIR Delay nodes on the path (0 without them).
    def incoming(self, key: str, visiting: frozenset = frozenset()) -> dict:
        terms: dict = {}
        for p in self.preds[key]:
            for src, (coo, bias) in self._through(p, visiting).items():
                terms[src] = _add_terms(terms.get(src), (coo, bias))
        return terms

    def sources(self, key: str) -> set[str]:
        return {src for src, _ in self.incoming(key)}

    def _through(self, key: str, visiting: frozenset) -> dict:
        """The expression at the output of node ``key`` in terms of source nodes."""
        if self.is_source(key):
            n = self.size(key)
            return {(key, 0): (layers.identity_coo(n), np.zeros(n))}
        if key in visiting:
            raise MappingError(f"node {key!r}: a cycle of linear nodes with no neuron in it; supported: cycles "
                               "through a LIF/CubaLIF/IF/LI node (recurrent layers)")
        if key not in self._memo:
            self._memo[key] = self._apply_linear(key, self.incoming(key, visiting | {key}))
        return self._memo[key]

    def _apply_linear(self, key: str, terms: dict) -> dict:
        if _type(self.nodes[key]) == "Delay":
            return self._apply_delay(key, terms)
        in_shape = self.shapes[self.preds[key][0]] if self.preds[key] else self.shapes[key]
        m, b = _linear_map(key, self.nodes[key], in_shape, self.shapes[key])
        out, first = {}, True
        for src, (coo, bias) in terms.items():
            # The node's own bias is added once, not once per source.
            extra = b if first else 0.0
            out[src] = (layers.coo_matmul(m, coo), _apply(m, bias) + extra)
            first = False
        return out

    def _apply_delay(self, key: str, terms: dict) -> dict:
        """NIR ``Delay`` (``y(t) = x(t - delay)``, seconds per element): each element's terms move to
        ``lag + round(delay / dt)``; elements with different delays become separate terms."""
        node, n = self.nodes[key], self.size(key)
        if self.reader.dt is None:
            raise MappingError(f"node {key!r} (Delay): needs the time step; pass --dt SECONDS")
        steps = np.broadcast_to(np.asarray(node.delay, np.float64).reshape(-1), (n,)) / self.reader.dt
        lags = np.rint(steps).astype(np.int64)
        if not np.allclose(steps, lags, rtol=0, atol=1e-6) or (lags < 0).any():
            raise MappingError(f"node {key!r} (Delay): delays {np.unique(steps)[:4]} steps at dt = {self.reader.dt} s; "
                               "supported: whole numbers of steps >= 0")
        out: dict = {}
        for (src, lag), (coo, bias) in terms.items():
            for extra in np.unique(lags).tolist():
                keep = lags == extra
                r, c, v, shape = coo
                on = keep[r]
                term = ((r[on], c[on], v[on], shape), bias * keep)
                out[(src, lag + extra)] = _add_terms(out.get((src, lag + extra)), term)
        return out

    # ----- assembly ---------------------------------------------------------------------------------
    def network(self, label: str, notes: list[str] = ()) -> Network:
        inputs = [Input(k, self.size(k)) for k, n in self.nodes.items() if _type(n) == "Input"]
        order = self._population_order()
        pops, projs = [], []
        for key in order:
            terms = self.incoming(key)
            gain, neuron = self._neuron(key, sum((t[1] for t in terms.values()), np.zeros(self.size(key))))
            pops.append(Population(key, self.size(key), neuron))
            projs += [_projection(src, key, {lag: t[0] for (s, lag), t in terms.items() if s == src}, gain)
                      for src in dict.fromkeys(s for s, _ in terms)]
        outputs = [self._output(k) for k, n in self.nodes.items() if _type(n) == "Output"]
        return Network(tuple(inputs), tuple(pops), tuple(projs), tuple(outputs), name=label,
                       metadata={"framework": self.reader.name, "framework_version": self.reader.version,
                                 "dt": self.reader.dt, "import_notes": list(notes)})

    def _population_order(self) -> list[str]:
        """Neuron nodes in dependency order (recurrent edges ignored; ties in file order)."""
        neurons = [k for k, n in self.nodes.items() if _type(n) in NEURON_NODES]
        deps = {k: {s for s in self.sources(k) if s != k and s in neurons} for k in neurons}
        placed: list[str] = []
        while len(placed) < len(neurons):
            ready = [k for k in neurons if k not in placed and deps[k] <= set(placed)]
            if not ready:  # a cycle between layers: open it at the first node fed by something placed
                ready = [k for k in neurons if k not in placed and deps[k] & set(placed)] or \
                        [k for k in neurons if k not in placed]
            placed.append(ready[0])
        return placed

    def _output(self, key: str) -> Output:
        terms = self.incoming(key)
        if len(terms) != 1:
            raise MappingError(f"node {key!r} (Output): fed by {len(terms)} sources; supported: one neuron node")
        (src, lag), (coo, bias) = next(iter(terms.items()))
        r, c, v, shape = coo
        is_identity = shape[0] == shape[1] and r.size == shape[0] and np.array_equal(r, c) and np.all(v == 1)
        if _type(self.nodes[src]) not in NEURON_NODES or not is_identity or np.any(bias) or lag:
            raise MappingError(f"node {key!r} (Output): must read a neuron node directly (spike counts); it is fed "
                               f"by {_type(self.nodes[src])} {src!r} through a linear map. Supported: "
                               "LIF/CubaLIF/IF (spikes) or LI (membrane readout) -> Output")
        return Output(key, src)

    def _neuron(self, key: str, bias_in: np.ndarray):
        """(input gain per neuron, neuron record) for NIR neuron node ``key``; ``bias_in`` is the summed bias."""
        return NEURON_BUILDERS[_type(self.nodes[key])](self, key, self.nodes[key], bias_in)

    def spiking(self, key: str, node) -> dict:
        """Reset, spike test and spike count of spiking node ``key``: the reader's, with the user's overrides."""
        v_reset = np.asarray(getattr(node, "v_reset", 0.0) if getattr(node, "v_reset", None) is not None else 0.0)
        if np.any(v_reset != 0):
            raise MappingError(f"node {key!r} ({_type(node)}): v_reset = {np.unique(v_reset)[:4]} is not supported; "
                               "supported: v_reset = 0 (reset to zero, or by subtraction with --reset subtract)")
        if self.reset not in (None, "zero", "subtract"):
            raise MappingError(f"reset {self.reset!r}; supported: 'zero', 'subtract' (or None: the framework's)")
        if self.spikes not in (None, "single", "multi"):
            raise MappingError(f"spikes {self.spikes!r}; supported: 'single', 'multi' (or None: the framework's)")
        recurrent = key in self.sources(key)
        return self.reader.spiking(_type(node), recurrent, self.reset, self.spikes)

    def vec(self, key: str, value) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=np.float64).reshape(-1) if np.size(value) > 1
                               else np.asarray(value, dtype=np.float64).reshape(()), (self.size(key),)).copy()


def _projection(src: str, post: str, by_lag: dict, gain: np.ndarray) -> Projection:
    """One projection from ``src``: its COO maps per lag, rows scaled by ``gain``, delay ``1 + lag`` per synapse
    (a scalar 1 when no Delay node is on the way)."""
    parts = [(layers.coo_scale_rows(coo, gain), lag) for lag, coo in sorted(by_lag.items())]
    if len(parts) == 1 and parts[0][1] == 0:
        r, c, v, _ = parts[0][0]
        return Projection(src, post, (r, c, v), 1)
    r, c, v = (np.concatenate([p[0][k] for p in parts]) for k in range(3))
    delay = np.concatenate([np.full(p[0][0].size, 1 + p[1], np.int64) for p in parts])
    return Projection(src, post, (r, c, v), delay)


def _apply(coo, vec: np.ndarray) -> np.ndarray:
    """``M @ vec`` for a COO map."""
    r, c, v, shape = coo
    out = np.zeros(shape[0])
    np.add.at(out, r, v * vec[c])
    return out


def _add_terms(a, b):
    if a is None:
        return b
    return layers.coo_add(a[0], b[0]), a[1] + b[1]



__all__ = ["FRAMEWORKS", "SUPPORTED", "read_nir"]  # FRAMEWORKS: mapping.nir_frameworks
