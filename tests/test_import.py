import ast
import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "mifeatures"


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=PACKAGE.parent).stdout.strip()


def test_import_is_cheap_and_lazy():
    out = _run("import sys, mifeatures; print('jax' in sys.modules, 'sklearn' in sys.modules)")
    assert out == "False False"


def test_using_the_library_leaves_the_jax_config_alone():
    out = _run(
        "import jax\n"
        "before = (jax.config.jax_enable_x64, jax.config.jax_default_matmul_precision)\n"
        "import mifeatures\n"
        "mifeatures.mutual_info([0, 1, 1, 0], [1, 1, 0, 0])\n"
        "mifeatures.entropy(jax.numpy.array([0.5, 0.5]))\n"
        "after = (jax.config.jax_enable_x64, jax.config.jax_default_matmul_precision)\n"
        "print(before == after, after[0])")
    assert out == "True False"


def test_public_names_resolve():
    import mifeatures

    for name in mifeatures.__all__:
        assert getattr(mifeatures, name) is not None
    with pytest.raises(AttributeError):
        mifeatures.no_such_name  # noqa: B018


# Layers, lowest first; a module may import only from its own layer or below.
LAYERS = [
    {"kernels", "_units", "_sklearn_compat"},
    {"measures"},
    {"_engine"},
    {"_adapters"},
    {"datasets"},
    {"estimation", "significance", "_dropins", "ranking", "_labelings", "_emi"},
    {"metrics"},
    {"selection", "discretization"},
    {"cli", "_cli_io", "plotting"},
]


def _layer(module):
    top = module.split(".")[0]
    for level, names in enumerate(LAYERS):
        if top in names:
            return level
    return None


def _relative_imports(path):
    """Dotted name of the module at ``path`` and of the modules its relative imports name."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    package = list(parts[:-1])  # an __init__ sits inside its package too
    targets = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            base = package[: len(package) - (node.level - 1)]
            names = [node.module] if node.module else [a.name for a in node.names]
            targets += [".".join([*base, name]) for name in names]
    return ".".join(parts), targets


def test_imports_only_point_downwards():
    for path in PACKAGE.rglob("*.py"):
        module, targets = _relative_imports(path)
        level = _layer(module)
        if level is None:
            continue
        for target in targets:
            target_level = _layer(target)
            assert target_level is None or target_level <= level, (
                f"{module} imports {target} from a higher layer")


# Sections of the engine package, earliest first; a section imports only earlier ones.
ENGINE_SECTIONS = ["_common", "counting", "knn", "permutations", "mdlp"]


def test_engine_sections_import_only_earlier_ones():
    engine = PACKAGE / "_engine"
    assert {p.stem for p in engine.glob("*.py")} == {"__init__", *ENGINE_SECTIONS}
    for position, section in enumerate(ENGINE_SECTIONS):
        module, targets = _relative_imports(engine / f"{section}.py")
        for target in targets:
            if target.startswith("_engine."):
                assert ENGINE_SECTIONS.index(target.split(".")[1]) < position, (
                    f"{module} imports the later section {target}")


def test_engine_reexports_what_callers_use_and_no_tunable_copies():
    """Every ``_engine.NAME`` in the package, tests and benchmarks resolves on the package;
    tunables are only in their sections, so patching the package raises instead of doing
    nothing."""
    from mifeatures import _engine

    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.parent.glob("tests/**/*.py"),
                 *PACKAGE.parent.glob("benchmarks/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "_engine"):
                assert hasattr(_engine, node.attr), f"{path.name}: _engine.{node.attr}"
    for name in ("_THREADS", "CHUNK_ELEMENTS", "SUB_ELEMENTS", "_KNN_THREADS", "_MDLP_THREADS"):
        assert not hasattr(_engine, name), name


def test_kernels_never_jit_or_touch_config():
    for path in (PACKAGE / "kernels").glob("*.py"):
        text = path.read_text()
        assert "jax.jit" not in text and "config.update" not in text, path.name
