"""What a printed page says of itself (staff/_print.html): the society's name and the time the
page was made, in Japan time (static/print.js puts the moment of printing there on paper)."""
from __future__ import annotations

from datetime import datetime, timezone

from fastapi import Request

from ...service_layer import society
from ...service_layer.context import in_japan
from .common import templates


def society_name(request: Request) -> str:
    return society.insurer_record(request.app.state.ctx).get("name", "")


def now_jst() -> datetime:
    return in_japan(datetime.now(timezone.utc))


templates.env.globals.update(society_name=society_name, now_jst=now_jst)
