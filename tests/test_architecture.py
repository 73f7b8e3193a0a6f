"""docs/architecture.md draws the house; these tests keep the drawing true (issue 8 item 7).

The layer picture in docs/architecture.md and the import-linter layers contract in pyproject.toml
(enforced by `lint-imports` in bin/check) name the same rooms in the same order with the same kind of
siblings, every room of escrow/ is in them, and escrow/ keeps only a handful of loose files.
No database: these read files only.
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ESCROW = ROOT / "escrow"
DJANGO_ONLY = {"apps", "migrations"}  # Django's own modules: in no layer
LOOSE_FILES = {"__init__", "apps", "admin", "urls", "tasks"}
MODULE = re.compile(r"escrow\.\w+")
LAYER = re.compile(r"escrow\.\w+(?:\s*[|:]\s*escrow\.\w+)*")


def layer(expression, container=""):
    """'views | api' -> ('|', ('escrow.views', 'escrow.api')); a layer of one module has no separator.

    import-linter 2.x: `|` joins independent siblings, `:` siblings that may import each other."""
    separators = set(re.findall(r"[|:]", expression))
    assert len(separators) <= 1, f"a layer mixes '|' and ':': {expression!r}"
    names = tuple(container + name.strip() for name in re.split(r"[|:]", expression))
    return separators.pop() if separators else "", names


def picture_layers():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers:.*?-->\s*```\w*\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no layer picture (a code block after its <!-- layers: --> line)"
    layers = []
    for line in block.group(1).splitlines():
        if MODULE.search(line):
            assert len(LAYER.findall(line)) == 1, f"one layer per line of the picture: {line!r}"
            layers.append(layer(LAYER.search(line).group(0)))
    return layers


def layers_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["id"] == "escrow-layers"]
    return contract


def contract_layers():
    contract = layers_contract()
    (container,) = contract["containers"]
    return [layer(expression, container + ".") for expression in contract["layers"]]


def rooms():
    """The sub-packages of escrow/ (directories with an __init__.py), Django's migrations aside."""
    return {path.name for path in ESCROW.iterdir() if (path / "__init__.py").is_file()} - DJANGO_ONLY


def pictured():
    return [name.removeprefix("escrow.") for _, names in picture_layers() for name in names]


def test_the_picture_and_the_contract_name_the_same_layers_in_the_same_order():
    picture, contract = picture_layers(), contract_layers()
    assert len(picture) >= 5, picture
    assert picture == contract


def test_every_room_of_escrow_is_in_the_picture():
    missing = rooms() - set(pictured())
    assert not missing, f"escrow/{sorted(missing)} must be drawn in docs/architecture.md and layered in pyproject.toml"


def test_every_module_in_the_picture_exists_once():
    names = pictured()
    assert len(names) == len(set(names)), names
    for name in names:
        assert (ESCROW / name / "__init__.py").is_file() or (ESCROW / f"{name}.py").is_file(), name


def test_lint_imports_checks_every_room():
    """`exhaustive`: a new room of escrow/ that no layer names breaks lint-imports, not only this test."""
    contract = layers_contract()
    assert contract["exhaustive"] is True
    assert set(contract["exhaustive_ignores"]) == DJANGO_ONLY


def test_escrow_keeps_only_a_handful_of_loose_files():
    loose = {path.stem for path in ESCROW.glob("*.py")}
    assert loose <= LOOSE_FILES, f"move escrow/{sorted(loose - LOOSE_FILES)}.py into a room"
