"""Loading a built-in data set by id, or a user's TOML file, with a clear error when malformed."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.resources import DATA_DIR

STATUSES = ("seen", "derived", "assumed")


def builtin_ids(folder: str) -> list[str]:
    return sorted(p.stem for p in (DATA_DIR / folder).glob("*.toml"))


def read_toml(path: Path, kind: str) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise CarbonError("bad_data_file", kind=kind, path=str(path), detail=str(exc)) from None
    except OSError as exc:
        raise CarbonError("bad_data_file", kind=kind, path=str(path), detail=exc.strerror or str(exc)) from None


def locate(name_or_path: str, folder: str, kind: str) -> tuple[str, Path]:
    """A built-in set id or a path to a user's file → (origin label, file path)."""
    builtin = DATA_DIR / folder / f"{name_or_path}.toml"
    if "/" not in name_or_path and builtin.is_file():
        return name_or_path, builtin
    path = Path(name_or_path)
    if path.is_file():
        return str(path), path
    raise CarbonError("unknown_set", kind=kind, name=name_or_path, choices=", ".join(builtin_ids(folder)))


class Malformed(Exception):
    """Raised while checking a data file; turned into `bad_data_file` with the file's path."""


@dataclass(frozen=True)
class DataSet:
    """What every data set (criteria, factors, costs) has: its id, names and description."""

    id: str
    zh: str
    en: str
    description_zh: str
    description_en: str

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def description(self, lang: str = "zh") -> str:
        return self.description_zh if lang == "zh" else self.description_en


def set_names(meta: dict[str, Any], set_id: str) -> dict[str, str]:
    """The DataSet fields of a set's [set] table (its names default to its id)."""
    return {
        "id": set_id,
        "zh": str(meta.get("zh", set_id)),
        "en": str(meta.get("en", set_id)),
        "description_zh": str(meta.get("description_zh", "")),
        "description_en": str(meta.get("description_en", "")),
    }


Built = TypeVar("Built")


def load_set(
    name_or_path: str | None,
    folder: str,
    default: str,
    kind: tuple[str, str],
    build: Callable[[list[tuple[str, dict[str, Any]]]], Built],
) -> Built:
    """A built-in set by id, or a user's TOML file, with the sets it extends (`set_chain`) built
    into one; a malformed file is `bad_data_file` naming it. `kind`: (error kind, words for
    `unknown_set`), e.g. ("cost", "成本集/cost set")."""
    origin, path = locate(name_or_path or default, folder, kind[1])
    try:
        return build(set_chain(origin, path, folder, default, f"{kind[0]} set"))
    except Malformed as exc:
        raise CarbonError("bad_data_file", kind=kind[0], path=str(path), detail=str(exc)) from None


def set_chain(origin: str, path: Path, folder: str, default: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(set id, TOML data) of a set file and of every set it `extends`, the root first. A user's
    file (one outside the built-in folder) extends `default` unless its [set] names another."""
    chain: list[tuple[str, dict[str, Any]]] = []
    files: list[Path] = []
    while True:
        if path.resolve() in files:
            raise Malformed(f"`extends` loops through {path}")
        files.append(path.resolve())
        data = read_toml(path, kind)
        meta = data.get("set", {})
        if not isinstance(meta, dict):
            raise Malformed("[set] must be a table")
        set_id = str(meta.get("id", origin))
        parent = meta.get("extends")
        if parent is None and origin != default and path.parent.name != folder:
            parent = default  # a user's file overrides the defaults it names
        chain.append((set_id, data))
        if not parent:
            return chain[::-1]
        if str(parent) in (i for i, _ in chain):
            raise Malformed(f"`extends` loops through {parent}")
        origin, path = locate(str(parent), folder, kind)


def require(entry: dict[str, Any], key: str, types: type | tuple[type, ...], where: str) -> Any:
    if key not in entry:
        raise Malformed(f"{where}: missing `{key}`")
    value = entry[key]
    if isinstance(value, bool) and types in (int, float, (int, float)):
        raise Malformed(f"{where}: `{key}` must be a number, not {value!r}")
    if not isinstance(value, types):
        names = types.__name__ if isinstance(types, type) else "/".join(t.__name__ for t in types)
        raise Malformed(f"{where}: `{key}` must be {names}, not {value!r}")
    return value


def status_of(entry: dict[str, Any], where: str, key: str = "status") -> str:
    status = entry.get(key, "assumed")
    if status not in STATUSES:
        raise Malformed(f"{where}: `{key}` must be one of {', '.join(STATUSES)}, not {status!r}")
    return status
