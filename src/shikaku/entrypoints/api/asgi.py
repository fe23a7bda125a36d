"""ASGI factory for `uvicorn --factory` (several worker processes read the URL from the env)."""
from ..bootstrap import build_context, database_url
from .app import create_server


def app():
    return create_server(build_context(database_url()))
