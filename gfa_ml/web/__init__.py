"""``gfa serve``: the REST API and server-rendered pages over the same predict, data and model
code as the CLI (FastAPI + uvicorn; no build step, no CDN: JS and CSS come from installed
packages and ``web/static``)."""
