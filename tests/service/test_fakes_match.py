"""The fakes of tests/service stand for the database's repositories: each repository the SQL
unit of work offers has a fake with the same public methods and parameters."""
from __future__ import annotations

import inspect
from functools import cached_property

import pytest

from shikaku.adapters.db.unit_of_work import SqlUnitOfWork
from shikaku.domain.calendar import BusinessCalendar
from tests.service.fakes import FakeUnitOfWork, Store

REPOSITORIES = sorted(name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, cached_property))


def _methods(cls) -> dict[str, list[str]]:
    return {name: list(inspect.signature(member).parameters)
            for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("name", REPOSITORIES)
def test_fake_offers_the_same_methods(name):
    sql = inspect.signature(getattr(SqlUnitOfWork, name).func).return_annotation
    sql_class = getattr(inspect.getmodule(getattr(SqlUnitOfWork, name).func), sql, None) if isinstance(sql, str) else sql
    fake = getattr(FakeUnitOfWork(Store(), BusinessCalendar()), name)
    assert _methods(type(fake)) == _methods(sql_class)
