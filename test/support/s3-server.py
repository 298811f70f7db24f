"""Test-only S3 server: moto's S3 on 127.0.0.1, one request at a time.

moto's own `moto_server` serves requests on threads, and it checks `If-None-Match` /
`If-Match` and then writes in two steps, so two racing conditional PUTs could both pass.
Real S3, R2 and MinIO make that check atomic. Serving one request at a time (werkzeug
without threads, HTTP/1.0, a connection per request) makes moto's check atomic too, so
the tests can rely on "the first writer wins" as headerforge does in production.

Usage: python3 s3-server.py PORT
"""
import sys

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

run_simple(
    "127.0.0.1",
    int(sys.argv[1]),
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
    use_reloader=False,
)
