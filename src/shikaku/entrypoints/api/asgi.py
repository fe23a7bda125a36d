"""ASGI factory for `uvicorn --factory` (several worker processes read the URL from the env)."""
from fastapi import FastAPI

from ..bootstrap import build_context, database_url
from .app import create_app


def app() -> FastAPI:
    return create_app(build_context(database_url()))
