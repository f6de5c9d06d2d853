"""The survey data dictionary (`data/fields.toml`) and matching of headers written by people."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from carbon_cli.core.resources import load_toml

# A bracketed tail such as （万千瓦时） or [kWh]; after NFKC full-width brackets are ASCII.
_BRACKET_TAIL = re.compile(r"^(?P<base>.*?)\s*[\(\[【<](?P<inner>[^()\[\]【】<>]*)[\)\]】>]\s*$")
_SPACES = re.compile(r"[\s\u3000]+")
_DECORATION = str.maketrans("", "", "*＊:：★☆")
# Units as a person reads them beside a label; "count" says nothing an English label does not.
_UNIT_SHOWN = {"m2": "m²", "m3": "m³", "count": "", "year": "", "年": ""}


def normalize(text: str) -> str:
    """Fold full-width forms, case, spaces and required-markers so labels compare equal."""
    folded = unicodedata.normalize("NFKC", text).translate(_DECORATION)
    return _SPACES.sub("", folded).lower()


@dataclass(frozen=True)
class Topic:
    key: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class PerRange:
    field: str
    min: float | None
    max: float | None


@dataclass(frozen=True)
class FieldSpec:
    key: str
    topic: str
    zh: str
    en: str
    unit: str
    unit_zh: str
    dimension: str
    type: str
    required: bool
    per_year: bool
    aliases: tuple[str, ...]
    range: tuple[float, float] | None
    per: PerRange | None
    not_above: tuple[str, ...]
    warn_above: tuple[str, ...]
    note_zh: str
    note_en: str
    source: str
    status: str
    range_status: str
    unit_one_zh: str = ""  # one of the unit after 每, where it is not the unit itself
    unit_one_en: str = ""  # after "per": person (the unit is persons), vehicle (a count)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def unit_label(self, lang: str = "zh") -> str:
        return self.unit_zh if lang == "zh" else self.unit

    def unit_shown(self, lang: str = "zh") -> str:
        """The unit as a message shows it after a number: m², 千瓦时; "" for a count."""
        return _UNIT_SHOWN.get(self.unit_label(lang), self.unit_label(lang))

    def unit_one(self, lang: str = "zh") -> str:
        """One of the unit, after 每/per: 人, person; a count says what it counts (辆, vehicle)."""
        one = self.unit_one_zh if lang == "zh" else self.unit_one_en
        return one or self.unit_shown(lang) or self.label(lang)

    def note(self, lang: str = "zh") -> str:
        return self.note_zh if lang == "zh" else self.note_en

    def name(self, lang: str = "zh") -> str:
        """How a person is told of this field: its label with its unit, 居民生活用电量（千瓦时）."""
        unit = _UNIT_SHOWN.get(self.unit_label(lang), self.unit_label(lang))
        if not unit or _repeats(unit, self.label(lang)):  # not 户数（户）, Households (households)
            return self.label(lang)
        return f"{self.label(lang)}（{unit}）" if lang == "zh" else f"{self.label(lang)} ({unit})"

    @property
    def is_quantity(self) -> bool:
        return self.type in ("int", "number")


@dataclass(frozen=True)
class HeaderMatch:
    field: FieldSpec
    unit: str | None  # a unit stated in the header's brackets, e.g. 万千瓦时


class Dictionary:
    """Every survey field, in survey order, with an index of the names people write."""

    def __init__(self, topics: list[Topic], fields: list[FieldSpec], max_abs_value: float) -> None:
        self.topics = tuple(topics)
        self.fields = tuple(fields)
        self.max_abs_value = max_abs_value
        self._by_key = {f.key: f for f in fields}
        self._index: dict[str, FieldSpec] = {}
        self._matches: dict[str, HeaderMatch | None] = {}
        for spec in fields:  # keys first, so a key always wins over another field's alias
            self._index.setdefault(normalize(spec.key), spec)
        for spec in fields:
            for name in (spec.zh, spec.en, *spec.aliases):
                self._index.setdefault(normalize(name), spec)
                stripped = _BRACKET_TAIL.match(unicodedata.normalize("NFKC", name))
                if stripped and stripped.group("base"):
                    self._index.setdefault(normalize(stripped.group("base")), spec)

    def get(self, key: str) -> FieldSpec | None:
        return self._by_key.get(key)

    def __getitem__(self, key: str) -> FieldSpec:
        return self._by_key[key]

    def by_topic(self, topic: str) -> list[FieldSpec]:
        return [f for f in self.fields if f.topic == topic]

    @property
    def required(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.required]

    def match(self, header: object) -> HeaderMatch | None:
        """The field a header names, by key, label or alias, with any bracketed unit."""
        if header is None:
            return None
        text = str(header)
        found = self._matches.get(text, self)  # self: not looked up yet
        if found is self:
            found = self._match(text)
            if len(self._matches) < 65_536:  # the same labels come back in every form of a batch
                self._matches[text] = found
        return found  # type: ignore[return-value]  # never the sentinel: replaced just above

    def _match(self, header: str) -> HeaderMatch | None:
        text = unicodedata.normalize("NFKC", header).strip()
        unit: str | None = None
        for _ in range(3):
            if not text:
                return None
            spec = self._index.get(normalize(text))
            if spec is not None:
                return HeaderMatch(spec, unit)
            tail = _BRACKET_TAIL.match(text)
            if tail is None:
                return None
            inner = tail.group("inner").strip()
            if unit is None and inner:
                unit = inner
            text = tail.group("base")
        return None


def _field(entry: dict) -> FieldSpec:
    per = entry.get("per")
    rng = entry.get("range")
    return FieldSpec(
        key=entry["key"],
        topic=entry["topic"],
        zh=entry["zh"],
        en=entry["en"],
        unit=entry.get("unit", ""),
        unit_zh=entry.get("unit_zh", entry.get("unit", "")),
        dimension=entry["dimension"],
        type=entry["type"],
        required=bool(entry.get("required", False)),
        per_year=bool(entry.get("per_year", True)),
        aliases=tuple(entry.get("aliases", ())),
        range=(float(rng[0]), float(rng[1])) if rng else None,
        per=PerRange(per["field"], per.get("min"), per.get("max")) if per else None,
        not_above=tuple(entry.get("not_above", ())),
        warn_above=tuple(entry.get("warn_above", ())),
        unit_one_zh=entry.get("unit_one_zh", ""),
        unit_one_en=entry.get("unit_one_en", ""),
        note_zh=entry.get("note_zh", ""),
        note_en=entry.get("note_en", ""),
        source=entry.get("source", ""),
        status=entry.get("status", "assumed"),
        range_status=entry.get("range_status", entry.get("status", "assumed")),
    )


def _repeats(unit: str, label: str) -> bool:
    """Whether the label already says the unit: a Chinese unit character in it, an English word of it."""
    if unit.isascii():
        return normalize(unit) in re.findall(r"[a-z0-9]+", label.lower())
    return normalize(unit) in normalize(label)


def field_name(key: str, lang: str = "zh", with_key: bool = False) -> str:
    """A field named to a person in `lang`: label with unit, the key only in parentheses when
    asked (居民生活用电量（千瓦时） (elec_residential_kwh)); an unknown key is shown as it is."""
    spec = dictionary().get(key)
    if spec is None:
        return key
    return f"{spec.name(lang)} ({key})" if with_key else spec.name(lang)


@cache
def dictionary() -> Dictionary:
    data = load_toml("fields.toml")
    topics = [Topic(t["key"], t["zh"], t["en"]) for t in data["topics"]]
    fields = [_field(e) for e in data["fields"]]
    return Dictionary(topics, fields, float(data.get("meta", {}).get("max_abs_value", 1e12)))
