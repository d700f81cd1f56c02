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
    {"kernels", "_units"},
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


def test_imports_only_point_downwards():
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        level = _layer(module)
        if level is None:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                targets = [node.module] if node.module else [a.name for a in node.names]
                if module.startswith("kernels.") and node.level == 1:
                    targets = [f"kernels.{t}" for t in targets]
                for target in targets:
                    target_level = _layer(target)
                    assert target_level is None or target_level <= level, (
                        f"{module} imports {target} from a higher layer")


def test_kernels_never_jit_or_touch_config():
    for path in (PACKAGE / "kernels").glob("*.py"):
        text = path.read_text()
        assert "jax.jit" not in text and "config.update" not in text, path.name
