"""FastAPI applications for Probity's api checks (tests/api/openapi_test.cc).

Each module-level app is one variant, chosen on the uvicorn command line:

  /usr/bin/python3 -m uvicorn --app-dir tests/testdata/api fastapi_app:versioned --port PORT

  versioned    routes under /v1/, info.version "1.2.0"; FastAPI's default 404
               ({"detail":"Not Found"}, application/json)
  unversioned  routes at /items, info.version "0.1"
  problem      versioned, and unknown routes answer RFC 9457 problem details
               (application/problem+json with "status": 404)
  buggy        the 404 handler itself raises: in debug mode Starlette answers
               500 with the Python traceback as text
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


def _items(app: FastAPI, prefix: str) -> FastAPI:
    @app.get(prefix + "/items")
    def list_items() -> list:
        return [{"id": 1, "name": "hammer"}]

    @app.get(prefix + "/items/{item_id}")
    def get_item(item_id: int) -> dict:
        return {"id": item_id, "name": "hammer"}

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app


versioned = _items(FastAPI(title="Inventory", version="1.2.0"), "/v1")

unversioned = _items(FastAPI(title="Inventory", version="0.1"), "")

problem = _items(FastAPI(title="Inventory", version="1.2.0"), "/v1")


@problem.exception_handler(StarletteHTTPException)
async def problem_details(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Not Found" if exc.status_code == 404 else str(exc.detail),
            "status": exc.status_code,
            "detail": "no route " + request.url.path,
            "instance": request.url.path,
        },
        status_code=exc.status_code,
        media_type="application/problem+json",
    )


buggy = _items(FastAPI(title="Inventory", version="1.2.0", debug=True), "/v1")


@buggy.exception_handler(StarletteHTTPException)
async def broken_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    raise RuntimeError("the not-found handler is broken")
