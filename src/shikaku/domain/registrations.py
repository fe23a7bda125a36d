"""What each kind of registration (登録) records: one frozen dataclass per kind, and the one codec
that turns them into the JSON the registry stores and back.

The stored form is a JSON object with named keys and ISO dates; it is the `data` column of a
registration and the `data` of a registration in a family snapshot (`encode` / `decode`). An
enrolment and an amendment carry attribute values (氏名, 標準報酬月額 …): the fold reads them
through `attributes()`, which is a plain mapping so that an amendment overrides the enrolment
key by key.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, Mapping, Union

from .errors import DomainError

PERSON_ATTRIBUTES = ("name", "name_kana", "birth_date", "sex")
INSURED_ATTRIBUTES = ("standard_monthly_remuneration", "resident_tax_exempt", "income_declared_low")
AMENDABLE = frozenset(PERSON_ATTRIBUTES + INSURED_ATTRIBUTES + ("coverage_ends_on",))


@dataclass(frozen=True)
class Enrolled:
    """資格取得届 / 被扶養者異動届 (追加): the member's attributes from the 資格取得日.
    標準報酬月額, 住民税非課税 and 基準収入額適用 belong to an insured; 続柄 to a dependent."""

    name: str
    name_kana: str
    birth_date: date
    sex: str
    coverage_ends_on: date | None = None  # 任意継続等の資格終了予定日
    with_my_number: bool = False  # the 個人番号 came with the 届出 (R-MYNA-3)
    standard_monthly_remuneration: int | None = None
    resident_tax_exempt: bool | None = None
    income_declared_low: bool | None = None
    kinship: str | None = None  # 続柄 of a dependent: spouse, child, parent, other
    certificate_requested: bool = False  # 資格確認書の交付希望欄 (R-CERT-1)

    def attributes(self) -> dict[str, Any]:
        """The values an amendment may override (AMENDABLE), as of the enrolment."""
        values = {"name": self.name, "name_kana": self.name_kana, "birth_date": self.birth_date,
                  "sex": self.sex, "coverage_ends_on": self.coverage_ends_on}
        for key in INSURED_ATTRIBUTES:
            value = getattr(self, key)
            if value is not None:
                values[key] = value
        return values


@dataclass(frozen=True)
class Amended:
    """変更届: new values of some attributes from `effective_on` (None: the value is cleared,
    e.g. a 資格終了予定日 withdrawn)."""

    changes: Mapping[str, Any]

    def __post_init__(self):
        unknown = set(self.changes) - AMENDABLE
        if unknown:
            raise ValueError(f"not amendable: {sorted(unknown)}")
        object.__setattr__(self, "changes", dict(self.changes))  # a copy: the caller's may change

    def attributes(self) -> Mapping[str, Any]:
        return self.changes


@dataclass(frozen=True)
class MyNumberRegistered:
    """個人番号の登録 (R-MYNA-3): from its publication the record can be verified online."""


@dataclass(frozen=True)
class Disqualified:
    """資格喪失届: `reason` is a registrable `LossReason` value."""

    reason: str


@dataclass(frozen=True)
class Certified:
    """認定: an approved 限度額 / 減額 category or a 特定疾病 (R-LIM-3, R-LIM-4, R-SPD-1)."""

    kind: str  # "limit" | "limit_reduction" | "specific_disease"
    valid_until: date | None = None
    category_code: str | None = None
    disease: str | None = None
    limit_yen: int | None = None


@dataclass(frozen=True)
class Corrected:
    """取消・訂正 (D-124): the registration entered as `corrects` (its seq) was wrong. A 取消
    (cancellation) carries neither `effective_on` nor `values` and removes it; a 訂正 replaces
    its effective date and/or some of its data values (by name, as its kind stores them). Either
    counts from its own 登録日 and reaches facilities on its own 公開日 (`FamilyHistory`)."""

    corrects: int
    reason: str  # 理由
    by: str  # who entered it (the staff user)
    effective_on: date | None = None
    values: Mapping[str, Any] | None = None

    @property
    def cancels(self) -> bool:
        """A 取消: nothing replaces the target."""
        return self.effective_on is None and not self.values


RegistrationData = Union[Enrolled, Amended, MyNumberRegistered, Disqualified, Certified, Corrected]

# Kind value -> data class (registry.Kind values; spelled here so the codec needs no import cycle).
DATA_CLASSES: dict[str, type] = {"enrolment": Enrolled, "amendment": Amended,
                                 "my_number": MyNumberRegistered,
                                 "disqualification": Disqualified, "certification": Certified,
                                 "correction": Corrected}
_DATES = frozenset({"birth_date", "coverage_ends_on", "valid_until"})  # stored as ISO text
_ALWAYS = object()  # marks a field every release stored, even at its default
NO_DATA = MyNumberRegistered()


def _stored_fields(cls: type) -> tuple[tuple[str, Any, Any, bool], ...]:
    """(name, default, value left out when stored, is a date) of each field; an enrolment always
    stores 資格終了予定日 and whether the 個人番号 came with it."""
    always = {"coverage_ends_on", "with_my_number"} if cls is Enrolled else set()
    return tuple((f.name, f.default, _ALWAYS if f.name in always else f.default, f.name in _DATES)
                 for f in fields(cls))


_FIELDS = {cls: _stored_fields(cls) for cls in DATA_CLASSES.values()}


def _stored(data: RegistrationData, iso: bool) -> dict[str, Any]:
    if type(data) is Corrected:
        return _stored_correction(data, iso)
    if type(data) is Amended:
        return {k: v.isoformat() if iso and k in _DATES and v is not None else v
                for k, v in data.changes.items()}
    given, values = data.__dict__, {}  # a decoded instance holds only what was stored (`decode`)
    for name, default, left_out, is_date in _FIELDS[type(data)]:
        value = given.get(name, default)
        if value is not left_out:
            values[name] = value.isoformat() if iso and is_date and value is not None else value
    return values


def as_dict(data: RegistrationData) -> dict[str, Any]:
    """The data by name; a value equal to its field's default is left out, as earlier releases
    never stored it (decoding gives the default back)."""
    return _stored(data, False)


def encode(data: RegistrationData) -> dict[str, Any]:
    """The stored form: `as_dict` with ISO dates."""
    return _stored(data, True)


def of_kind(kind: str, values: Mapping[str, Any]) -> RegistrationData:
    """The data class of a registration of `kind` (a registry.Kind value) from its values."""
    cls = DATA_CLASSES[kind]
    if cls is MyNumberRegistered:
        return NO_DATA
    return Amended(values) if cls is Amended else cls(**values)


_NAMES = {kind: frozenset(AMENDABLE if cls is Amended else (f.name for f in fields(cls)))
          for kind, cls in DATA_CLASSES.items()}
_REQUIRED = {kind: frozenset() if cls is Amended else frozenset(f.name for f in fields(cls) if f.default is MISSING)
             for kind, cls in DATA_CLASSES.items()}
_DATE_FIELDS = {kind: tuple(_DATES & names) for kind, names in _NAMES.items()}
_KIND_OF = {cls: kind for kind, cls in DATA_CLASSES.items()}
_new, _set = object.__new__, object.__setattr__


def decode(kind: str, stored: Mapping[str, Any] | None) -> RegistrationData:
    """The data of a stored registration of `kind` (ISO dates), which was checked when it was
    written. On the verification hot path a family decodes several per query, and a frozen
    dataclass's `__init__` (one `object.__setattr__` per field) cost four times the rest of the
    decode: the instance takes the stored object as its `__dict__` instead, a field left out
    reading its default from the class. Unknown or missing keys are refused, as by `__init__`."""
    cls = DATA_CLASSES[kind]
    if cls is MyNumberRegistered or not stored:
        return of_kind(kind, {})
    if cls is Corrected:
        return _decoded_correction(stored)
    values = dict(stored)
    if not values.keys() <= _NAMES[kind] or not _REQUIRED[kind] <= values.keys():
        raise ValueError(f"{kind}: stored keys {sorted(values)} do not fit {cls.__name__}")
    for name in _DATE_FIELDS[kind]:
        value = values.get(name)
        if value is not None:
            values[name] = date.fromisoformat(value)
    data = _new(cls)
    _set(data, "__dict__", {"changes": values} if cls is Amended else values)
    return data


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _stored_correction(data: Corrected, iso: bool) -> dict[str, Any]:
    """A 取消・訂正 by name: its dates (and those among its values) ISO when stored."""
    as_stored = _iso if iso else (lambda value: value)
    stored = {"corrects": data.corrects, "reason": data.reason, "by": data.by}
    if data.effective_on is not None:
        stored["effective_on"] = as_stored(data.effective_on)
    if data.values:
        stored["values"] = {k: as_stored(v) for k, v in data.values.items()}
    return stored


def _decoded_correction(stored: Mapping[str, Any]) -> Corrected:
    """A stored 取消・訂正 (rare, so built by `__init__`), the dates among its values parsed."""
    values, effective_on = stored.get("values"), stored.get("effective_on")
    return Corrected(stored["corrects"], stored["reason"], stored["by"],
                     date.fromisoformat(effective_on) if effective_on else None,
                     {k: date.fromisoformat(v) if k in CORRECTION_DATES and v is not None else v
                      for k, v in values.items()} if values else None)


CORRECTION_DATES = frozenset({"birth_date", "coverage_ends_on", "valid_until"})


def amendment(changes: Mapping[str, Any]) -> Amended:
    """A 変更届's data, or `nothing_to_change` when it changes nothing."""
    if not changes:
        raise DomainError("nothing_to_change", "変更する項目がありません")
    return Amended(changes)



def with_values(data: RegistrationData, **values: Any) -> RegistrationData:
    """`dataclasses.replace` for the data classes, without the per-field cost of a frozen
    `__init__` (see `decode`): a bulk load normalises a million enrolments."""
    if not values.keys() <= _NAMES[_KIND_OF[type(data)]] or type(data) is Amended:
        raise ValueError(f"{type(data).__name__}: cannot set {sorted(values)}")
    copy = _new(type(data))
    _set(copy, "__dict__", {**data.__dict__, **values})
    return copy
