"""The place of sampledata among the apps: above the domain apps, reaching them through their
services and selectors; nothing in atelier imports it; core imports neither directory nor it."""

import ast
from pathlib import Path

import atelier

ROOT = Path(atelier.__file__).parent
SAMPLEDATA = ROOT / "sampledata"
# The one module allowed to read and write the directory's models (writes without a service).
MODEL_GATEWAY = SAMPLEDATA / "directory_writes.py"


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                package = path.relative_to(ROOT.parent).with_suffix("").parts[: -node.level]
                base = ".".join(package)
                names.add(f"{base}.{node.module}" if node.module else base)
            else:
                names.add(node.module or "")
    return names


def sources(directory: Path, *, tests: bool = True) -> list[Path]:
    return [
        p
        for p in directory.rglob("*.py")
        if "migrations" not in p.parts and (tests or "tests" not in p.parts)
    ]


def test_nothing_in_atelier_imports_sampledata():
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources(ROOT)
        if SAMPLEDATA not in p.parents
        and any(m.startswith("atelier.sampledata") for m in imported_modules(p))
    ]
    assert offenders == []


def test_core_imports_neither_directory_nor_sampledata():
    above = ("atelier.directory", "atelier.sampledata")
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources(ROOT / "core", tests=False)
        if any(m.startswith(above) for m in imported_modules(p))
    ]
    assert offenders == []


def test_sampledata_reaches_models_only_through_its_gateway():
    offenders = []
    for path in sources(SAMPLEDATA, tests=False):
        for module in imported_modules(path):
            touches_models = module.endswith(".models") or module == "django.contrib.auth"
            if touches_models and path != MODEL_GATEWAY:
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert offenders == []
    gateway = imported_modules(MODEL_GATEWAY)
    assert {m for m in gateway if m.endswith(".models")} == {"atelier.directory.models"}
