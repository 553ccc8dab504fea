"""The application object: ``uvicorn bookshelf.main:app``."""

from fastapi import FastAPI

from bookshelf.api import router

app = FastAPI(title="Bookshelf")
app.include_router(router)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
