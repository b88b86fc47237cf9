"""Bad inputs for every ``neuromesh`` entry point, and an in-process runner that classifies each outcome.

A case is a command line (``argv``) run through :func:`emulator.cli.main` in this process, with the words its
error message must contain (the file, the field or key, the value). :func:`outcome` sorts what happened into
``refused`` (exit 2, no traceback, every word in the message), ``unclear`` (exit 2 without the words),
``accepted`` (exit 0 or 1: a bad input taken as good), ``internal`` (exit 3: an unexpected exception, reported
in one line) and ``traceback`` (an exception escaped, or a traceback was printed). ``python -m tests.adversarial.count`` prints the tally.

Fixtures are tiny (the ``tiny`` preset, a 4 -> 6 -> 3 network) so the whole set runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from chip_configs.schema import PRESET_DIR

TINY_YAML = (PRESET_DIR / "tiny.yaml").read_text()


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, the words its message must hold, the exit codes that count as refused."""

    name: str
    argv: tuple[str, ...]
    needles: tuple[str, ...] = ()
    codes: tuple[int, ...] = (2,)
    untouched: tuple[str, ...] = field(default=())   # paths that must not be created or changed


@dataclass(frozen=True)
class Outcome:
    kind: str          # refused | unclear | accepted | internal (a caught bug: exit 3) | traceback | hang
    code: int | None
    message: str


def run_cli(argv) -> tuple[int | None, str, str, BaseException | None]:
    """``neuromesh ARGV`` in this process: (exit status, stdout, stderr, escaped exception)."""
    from emulator.cli import main

    out, err = io.StringIO(), io.StringIO()
    code, exc = None, None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as e:   # argparse errors
            code = e.code if isinstance(e.code, int) else 2
        except Exception as e:   # a traceback for the user
            exc = e
    return code, out.getvalue(), err.getvalue(), exc


def outcome(case: Case) -> Outcome:
    """Run ``case`` and classify it (see the module docstring)."""
    before = {p: _stamp(p) for p in case.untouched}
    code, out, err, exc = run_cli(case.argv)
    if isinstance(exc, TimeoutError):   # raised by the count script's per-case alarm
        return Outcome("hang", code, str(exc))
    if exc is not None or "Traceback" in err:
        return Outcome("traceback", code, f"{type(exc).__name__}: {exc}" if exc else err[-300:])
    if code == 3:
        return Outcome("internal", code, err.strip()[:300])
    if any(_stamp(p) != s for p, s in before.items()):
        return Outcome("accepted", code, f"changed {case.untouched}: {err.strip()[:300]}")
    if code not in case.codes:
        return Outcome("accepted", code, (err or out).strip()[-300:])
    missing = [n for n in case.needles if n not in err + (out if code != 2 else "")]
    return Outcome("unclear" if missing else "refused", code, err.strip()[:400] + (f" [missing {missing}]"
                                                                                   if missing else ""))


def _stamp(path: str):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (stat.S_IFMT(st.st_mode), st.st_mode, st.st_size, st.st_mtime_ns)


# ----- fixtures --------------------------------------------------------------------------------------------


def _net():
    from mapping.network import LIF, Input, Network, Output, Population, Projection

    rng = np.random.default_rng(0)
    pops = [Population("h", 6, LIF(beta=0.9, threshold=1.0)), Population("o", 3, LIF(beta=0.9, threshold=1.0))]
    projs = [Projection("in", "h", rng.uniform(0.2, 0.8, (6, 4)), 1),
             Projection("h", "o", rng.uniform(0.2, 0.8, (3, 6)), 1)]
    return Network([Input("in", 4)], pops, projs, [Output("out", "o")], name="adv")


def _savez(path: Path, **arrays) -> Path:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())
    return path


@dataclass(frozen=True)
class Fixtures:
    root: Path
    net: Path        # saved network .npz
    mapped: Path     # programmed chip for tiny
    samples: Path    # good samples
    inputs: Path     # good run inputs


def make_fixtures(root: Path) -> Fixtures:
    """A saved network, its programmed chip on ``tiny``, good samples and run inputs under ``root``."""
    from mapping.mapper import map_network
    from mapping.network_io import save_network

    root.mkdir(parents=True, exist_ok=True)
    net = _net()
    save_network(net, root / "net.npz")
    mapped, _ = map_network(net, "tiny", placer="greedy", seed=0)
    mapped.save(root / "mapped.npz")
    rng = np.random.default_rng(1)
    spikes = (rng.random((3, 8, 4)) < 0.5).astype(np.int64)
    _savez(root / "samples.npz", inputs=spikes, labels=np.array([0, 1, 2]))
    _savez(root / "inputs.npz", spikes=spikes, labels=np.array([0, 1, 2]))
    return Fixtures(root, root / "net.npz", root / "mapped.npz", root / "samples.npz", root / "inputs.npz")


# ----- configs -----------------------------------------------------------------------------------------------


def yaml_with(block: str, key: str, value: str) -> str:
    """tiny.yaml with ``block.key`` set to the raw YAML text ``value`` (the key added if absent)."""
    lines, out, inside, done = TINY_YAML.splitlines(), [], False, False
    for line in lines:
        if line.startswith(f"{block}:"):
            inside = True
            out.append(line)
            out.append(f"  {key}: {value}")
            done = True
            continue
        if inside and line.strip().startswith(f"{key}:"):
            continue
        if line and not line.startswith(" "):
            inside = False
        out.append(line)
    if not done:
        out.append(f"{block}:\n  {key}: {value}")
    return "\n".join(out) + "\n"


CONFIG_VALUES = [
    ("noc", "clock_mhz", ".inf", "clock_mhz"), ("noc", "clock_mhz", ".nan", "clock_mhz"),
    ("noc", "clock_mhz", "-1", "clock_mhz"), ("energy", "syn_op_pj", ".inf", "syn_op_pj"),
    ("energy", "static_power_mw", "1e308", "static_power_mw"), ("core", "weight_signed", "yes", "weight_signed"),
    ("mesh", "width", "1:30", "width"), ("mesh", "width", "0", "width"), ("mesh", "width", "'two'", "width"),
    ("mesh", "height", "-4", "height"), ("core", "neurons_per_core", "0", "neurons_per_core"),
    ("core", "weight_bits", "99", "weight_bits"), ("core", "delay_slots", "0", "delay_slots"),
    ("noc", "routing", "zigzag", "routing"), ("sync", "mode", "sometimes", "mode"),
    ("noc", "vc_binding", "eventually", "vc_binding"),
    ("neuron", "model", "hodgkin", "model"), ("noc", "buffer_depth_flits", "0", "buffer_depth_flits"),
    ("core", "axons_per_core", "[1, 2]", "axons_per_core"), ("core", "bogus_key", "1", "bogus_key"),
    ("timing", "syn_op_ns", "-0.5", "syn_op_ns"),
]


def config_texts() -> list[tuple[str, str, str]]:
    """(name, YAML text, word the message must hold) of bad chip configs."""
    cases = [(f"{b}.{k}={v}", yaml_with(b, k, v), n) for b, k, v, n in CONFIG_VALUES]
    cases += [
        ("empty", "", "empty"), ("not a mapping", "- 1\n- 2\n", "mapping"),
        ("syntax", "mesh: [1, 2\n", "line"), ("deep", "a: " + "[" * 500 + "]" * 500 + "\n", "deep"),
        ("alias bomb", _alias_bomb(), "alias"), ("binary", "\x00\x01\x02", "cfg"),
        ("tab indent", "mesh:\n\twidth: 2\n", "line"),
        ("huge mesh", yaml_with("mesh", "cores_per_router", "64").replace("packet_bits: 32", "packet_bits: 64").replace("width: 2", "width: 1024")
         .replace("height: 2", "height: 1024"), "memory"),
    ]
    return cases


def _alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefgh"):
        prev = "abcdefgh"[i]
        lines.append(f"{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    return "\n".join(lines) + "\n"


# ----- archives --------------------------------------------------------------------------------------------------


def bad_archives(root: Path, fx: Fixtures) -> dict[str, Path]:
    """Damaged and foreign archives (each refused by every .npz entry point)."""
    good = fx.samples.read_bytes()
    files = {
        "empty": b"", "truncated": good[: len(good) // 2], "text": b"just text\n",
        "npy": _npy_bytes(), "nul": b"\x00" * 64,
    }
    out = {}
    for name, data in files.items():
        p = root / f"bad_{name}.npz"
        p.write_bytes(data)
        out[name] = p
    out["pickle"] = _savez(root / "bad_pickle.npz", inputs=np.array([{"a": 1}], dtype=object),
                           x=np.array([None], dtype=object), header=np.array([None], dtype=object),
                           network=np.array([None], dtype=object), spikes=np.array([None], dtype=object))
    out["dir"] = root / "a_dir.npz"
    out["dir"].mkdir(exist_ok=True)
    out["missing"] = root / "missing.npz"
    return out


def _npy_bytes() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    return buf.getvalue()


def mapped_variants(root: Path, fx: Fixtures) -> list[tuple[str, Path, str]]:
    """Programmed chips with one header key or array spoilt: (name, path, word the message must hold)."""
    with np.load(fx.mapped) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    out = []

    def variant(name, word, hdr=None, **changes):
        a = dict(arrays)
        if hdr is not None:
            a["header"] = np.asarray(json.dumps(hdr)) if not isinstance(hdr, np.ndarray) else hdr
        for k, v in changes.items():
            k = k.replace("__", "/")
            if v is None:
                a.pop(k, None)
            else:
                a[k] = v
        out.append((name, _savez(root / f"mapped_{len(out)}.npz", **a), word))

    for key in ("chip", "n_inputs", "format", "version"):
        variant(f"header without {key}", key, {k: v for k, v in header.items() if k != key})
    variant("header not json", "header", np.asarray("{not json"))
    variant("header a list", "header", np.asarray("[1, 2]"))
    variant("header int array", "header", np.arange(3))
    variant("n_inputs text", "n_inputs", {**header, "n_inputs": "four"})
    variant("n_inputs negative", "n_inputs", {**header, "n_inputs": -3})
    variant("version 99", "version", {**header, "version": 99})
    variant("no core_index", "core_index", core_index=None)
    variant("core_index float", "core_index", core_index=np.array([0.5]))
    variant("core_index out of chip", "core", core_index=np.array([99] * arrays["core_index"].size))
    variant("no out_core", "out_core", out_core=None)
    variant("dest_core out of chip", "destination core 77", c0__dest_core=np.full(arrays["c0/dest_core"].shape, 77, np.int64))
    variant("dest_delay zero", "delay", c0__dest_delay=np.zeros_like(arrays["c0/dest_delay"]))
    variant("syn_weight huge", "weight", c0__syn_weight=np.full(arrays["c0/syn_weight"].shape, 10 ** 6, np.int64))
    variant("syn_axon out of core", "axon", c0__syn_axon=np.full(arrays["c0/syn_axon"].shape, 500, np.int64))
    variant("in_ptr wrong", "in_ptr", in_ptr=np.array([0, 5, 2]))
    return out


# ----- the case list ------------------------------------------------------------------------------------------------


def build_cases(root: Path) -> list[Case]:
    """Every hand-written and generated bad input of this suite (files written under ``root``)."""
    fx = make_fixtures(root / "fx")
    cases: list[Case] = []
    cases += _config_cases(root)
    cases += _archive_cases(root, fx)
    cases += _program_cases(root, fx)
    cases += _sample_cases(root, fx)
    cases += _network_file_cases(root, fx)
    cases += _option_cases(fx)
    cases += _output_cases(root, fx)
    return cases


def _config_cases(root: Path) -> list[Case]:
    cases = []
    for i, (name, text, word) in enumerate(config_texts()):
        p = root / f"cfg_{i}.yaml"
        p.write_text(text, errors="surrogateescape")
        cases.append(Case(f"config check: {name}", ("config", "check", p), (str(p), word)))
    cases.append(Case("config check: missing", ("config", "check", root / "none.yaml"), ("none.yaml",)))
    cases.append(Case("config check: dir", ("config", "check", root), (str(root),)))
    cases.append(Case("run: bad preset", ("run", "nopreset"), ("nopreset",)))
    return cases


def _archive_cases(root: Path, fx: Fixtures) -> list[Case]:
    cases = []
    for name, p in bad_archives(root, fx).items():
        cases += [
            Case(f"run --network {name}", ("run", "tiny", "--network", p, "--input", fx.inputs), (str(p),)),
            Case(f"run --input {name}", ("run", "tiny", "--network", fx.mapped, "--input", p), (str(p),)),
            Case(f"map NETWORK {name}", ("map", "tiny", p, "--out", root / "o.npz"), (str(p),)),
            Case(f"validate --samples {name}", ("validate", "tiny", fx.net, "--samples", p), (str(p),)),
            Case(f"map --calibrate {name}", ("map", "tiny", fx.net, "--calibrate", p, "--out", root / "o.npz"),
                 (str(p),)),
        ]
    return cases


def _program_cases(root: Path, fx: Fixtures) -> list[Case]:
    return [Case(f"run --network: {name}", ("run", "tiny", "--network", p, "--input", fx.inputs), (str(p), word))
            for name, p, word in mapped_variants(root, fx)]


SAMPLE_VARIANTS = {
    "all zero": ({"inputs": np.zeros((3, 8, 4), np.int64)}, "no input spikes"),
    "x all nan": ({"x": np.full((3, 4), np.nan)}, "'x'"),
    "x all zero": ({"x": np.zeros((3, 4))}, "no input spikes"),
    "x inf": ({"x": np.full((3, 4), np.inf)}, "'x'"),
    "x negative": ({"x": -np.ones((3, 4))}, "'x'"),
    "inputs float": ({"inputs": np.ones((3, 8, 4))}, "'inputs'"),
    "inputs negative": ({"inputs": -np.ones((3, 8, 4), np.int64)}, "'inputs'"),
    "inputs 2d": ({"inputs": np.ones((3, 4), np.int64)}, "shape"),
    "inputs wrong width": ({"inputs": np.ones((3, 8, 5), np.int64)}, "shape"),
    "inputs empty batch": ({"inputs": np.ones((0, 8, 4), np.int64)}, "inputs"),
    "inputs zero ticks": ({"inputs": np.ones((3, 0, 4), np.int64)}, "inputs"),
    "inputs huge count": ({"inputs": np.full((3, 8, 4), 2 ** 40, np.int64)}, "inputs"),
    "labels short": ({"inputs": np.ones((3, 8, 4), np.int64), "labels": np.array([0])}, "labels"),
    "labels negative": ({"inputs": np.ones((3, 8, 4), np.int64), "labels": np.array([-1, 0, 1])}, "labels"),
    "labels float": ({"inputs": np.ones((3, 8, 4), np.int64), "labels": np.array([0.5, 1, 2])}, "labels"),
    "labels beyond outputs": ({"inputs": np.ones((3, 8, 4), np.int64), "labels": np.array([0, 1, 7])}, "labels"),
    "ref counts shape": ({"inputs": np.ones((3, 8, 4), np.int64), "reference_counts": np.ones((3, 9), np.int64)},
                         "reference_counts"),
    "no keys": ({"other": np.ones(3)}, "'inputs'"),
    "x strings": ({"x": np.array([["a", "b", "c", "d"]])}, "'x'"),
    "x empty": ({"x": np.zeros((0, 0))}, "'x'"),
}


def _sample_cases(root: Path, fx: Fixtures) -> list[Case]:
    p = _savez(root / "samples_chance.npz", inputs=np.ones((6, 8, 4), np.int64), labels=np.arange(6) % 3)
    cases = [Case("validate at chance level is no-go", ("validate", "tiny", fx.net, "--samples", p),
                  ("NO-GO", "near chance"), codes=(1,))]
    for i, (name, (arrays, word)) in enumerate(SAMPLE_VARIANTS.items()):
        p = _savez(root / f"samples_{i}.npz", **arrays)
        cases.append(Case(f"validate --samples {name}", ("validate", "tiny", fx.net, "--samples", p),
                          (str(p), word)))
        runnable = {("spikes" if k == "inputs" else k): v for k, v in arrays.items() if k != "reference_counts"}
        q = _savez(root / f"inputs_{i}.npz", **runnable)
        if name not in ("all zero", "x all zero", "labels beyond outputs", "ref counts shape", "inputs 2d"):
            cases.append(Case(f"run --input {name}", ("run", "tiny", "--network", fx.mapped, "--input", q),
                              (str(q),)))
    return cases


def _network_file_cases(root: Path, fx: Fixtures) -> list[Case]:
    py = {
        "none": "network = None\n", "syntax": "def (:\n", "raises": "raise RuntimeError('boom')\n",
        "neither": "x = 1\n", "builder raises": "def build_network():\n    return 1 / 0\n",
        "wrong type": "network = 42\n", "import error": "import no_such_module_xyz\n",
        "exit": "import sys\nsys.exit(3)\n",
        "empty network": "from mapping.network import Input, Network\nnetwork = Network([Input('in', 4)], [], [], [])\n",
        "no outputs": ("import numpy as np\nfrom mapping.network import LIF, Input, Network, Population, Projection\n"
                       "network = Network([Input('in', 4)], [Population('h', 3, LIF(beta=0.9, threshold=1.0))], "
                       "[Projection('in', 'h', np.ones((3, 4)), 1)], [])\n"),
    }
    cases = []
    for i, (name, text) in enumerate(py.items()):
        p = root / f"net_{i}.py"
        p.write_text(text)
        cases.append(Case(f"map .py {name}", ("map", "tiny", p, "--out", root / "o.npz"), (str(p),)))
    nir_bad = {"text": b"not hdf5 at all", "empty": b"", "npz": fx.samples.read_bytes()}
    for name, data in nir_bad.items():
        p = root / f"bad_{name}.nir"
        p.write_bytes(data)
        cases.append(Case(f"map .nir {name}", ("map", "tiny", p, "--out", root / "o.npz"), (str(p),)))
    cases += _nir_graph_cases(root)
    cases.append(Case("map unknown suffix", ("map", "tiny", fx.samples.with_suffix(".txt"), "--out", root / "o.npz"),
                      ("samples.txt",)))
    cases.append(Case("map mapped chip as network", ("map", "tiny", fx.mapped, "--out", root / "o.npz"),
                      (str(fx.mapped), "programmed chip")))
    return cases


def _nir_graph_cases(root: Path) -> list[Case]:
    """NIR files that are HDF5 but not good graphs (built with the nir package when it is installed)."""
    try:
        import h5py
        import nir
    except ImportError:   # pragma: no cover
        return []
    cases = []
    w = np.ones((3, 4))
    lif = {"tau": np.full(3, 0.01), "r": np.ones(3), "v_leak": np.zeros(3), "v_threshold": np.ones(3),
               "v_reset": np.zeros(3)}
    graphs = {
        "empty graph": (nir.NIRGraph(nodes={}, edges=[]), "empty"),
        "no neuron": (nir.NIRGraph(nodes={"input": nir.Input(np.array([4])), "fc": nir.Affine(w, np.zeros(3)),
                                          "output": nir.Output(np.array([3]))},
                                   edges=[("input", "fc"), ("fc", "output")]), "neuron"),
        "nan weights": (nir.NIRGraph(nodes={"input": nir.Input(np.array([4])),
                                            "fc": nir.Affine(np.full((3, 4), np.nan), np.zeros(3)),
                                            "lif": nir.LIF(**lif), "output": nir.Output(np.array([3]))},
                                     edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")]), "weight"),
    }
    for i, (name, (graph, word)) in enumerate(graphs.items()):
        p = root / f"graph_{i}.nir"
        nir.write(str(p), graph)
        cases.append(Case(f"map .nir {name}", ("map", "tiny", p, "--out", root / "o.npz"), (str(p), word)))
    p = root / "graph_nogroups.nir"
    with h5py.File(p, "w") as f:
        f.create_group("something_else")
    cases.append(Case("map .nir hdf5 without node groups", ("map", "tiny", p, "--out", root / "o.npz"), (str(p),)))
    return cases


def _option_cases(fx: Fixtures) -> list[Case]:
    run = ("run", "tiny", "--network", fx.mapped, "--input", fx.inputs)
    val = ("validate", "tiny", fx.net, "--samples", fx.samples)
    opts = [
        (run, "--batch", "0"), (run, "--batch", "-1"), (run, "--ticks", "-3"), (run, "--ticks", "x"),
        (run, "--seed", "-1"), (run, "--probe", "a:b"), (run, "--probe", "99:0"), (run, "--probe", "0:999"),
        (run, "--engine", "warp"), (run, "--ticks", "1000000000"),
        (val, "--min-agreement", "2"), (val, "--min-agreement", "nan"), (val, "--bit-cost", "inf"),
        (val, "--ticks", "0"), (val, "--max-samples", "0"), (val, "--dt", "-1"), (val, "--axon-copies", "0"),
        (val, "--neurons-per-core", "0"), (val, "--placer", "magic"),
        (("noc-sweep", "tiny", "--traffic", "uniform", "--cycles", "10", "--warmup", "0", "--out", "/tmp/x.csv"),
         "--rates", "2"),
        (("run", "tiny"), "--max-memory", "-5"),
    ]
    cases = [Case(f"{base[0]} {opt} {val_}", (*base, opt, val_), (opt.lstrip("-").split("-")[0], val_.lstrip("-")))
             for base, opt, val_ in opts]
    cases.append(Case("run --ticks huge needs memory", (*run, "--ticks", "1000000000"), ("memory",)))
    cases.append(Case("noc-sweep --cycles huge needs memory",
                      ("noc-sweep", "tiny", "--traffic", "uniform", "--rates", "0.1", "--cycles", "100000000000",
                       "--warmup", "0", "--out", "/tmp/never.csv"), ("--cycles", "packets")))
    cases.append(Case("config check --max-memory tiny limit", ("--max-memory", "1K", "config", "check", "loihi"),
                      ("memory", "--max-memory")))
    return cases


def _socket(path: Path) -> Path:
    """A bound (listening-less) UNIX socket at ``path``: an output that must never be replaced."""
    import socket

    if not path.exists():
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    return path


def _output_cases(root: Path, fx: Fixtures) -> list[Case]:
    ro = root / "readonly"
    ro.mkdir(exist_ok=True)
    ro.chmod(0o555)
    fifo = root / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    run = ("run", "tiny", "--network", fx.mapped, "--input", fx.inputs)
    mp = ("map", "tiny", fx.net)
    val = ("validate", "tiny", fx.net, "--samples", fx.samples)
    sweep = ("noc-sweep", "tiny", "--traffic", "uniform", "--rates", "0.1", "--cycles", "50", "--warmup", "0")
    targets = {"dir": root, "fifo": fifo, "parent is a file": root / "fx" / "inputs.npz" / "f",
               "socket": _socket(root / "sock")}
    if not os.environ.get("NEUROMESH_ADV_NO_DEV"):   # set when running a NeuroMesh without the preflight, as root
        targets.update({"devnull": Path("/dev/null"), "devfull": Path("/dev/full")})
    if os.geteuid() != 0:
        targets["readonly parent"] = ro / "f"
    cases = []
    for tname, t in targets.items():
        for base, opt in ((run, "--report"), (run, "--save-probes"), (mp, "--out"), (val, "--report"),
                          (sweep, "--out")):
            extra = ("--out", root / "ok.npz") if base is mp and opt != "--out" else ()
            cases.append(Case(f"{base[0]} {opt} {tname}", (*base, opt, t, *extra), (str(t),),
                              untouched=(str(t),) if tname in ("devfull", "devnull", "fifo", "socket") else ()))
    cases.append(Case("run --plots onto a file", (*run, "--plots", fx.inputs), (str(fx.inputs),)))
    return cases


__all__ = ["Case", "Fixtures", "Outcome", "build_cases", "make_fixtures", "outcome", "run_cli", "yaml_with"]
