import tempfile

from django.conf import settings
from django.core.handlers.wsgi import LimitedStream
from django.shortcuts import render
from django.urls import Resolver404, resolve

# Room for what travels with an uploaded file: the multipart boundaries and part headers, the CSRF
# token and the form's other fields. A file just over its limit still reaches the page, which
# refuses it with the exact size; only bodies far beyond it are cut here.
MULTIPART_ALLOWANCE = 64 * 1024
READ_CHUNK = 64 * 1024


def body_limit(path):
    """The largest request body ``path`` accepts: the upload pages their file limit, everything
    else MAX_REQUEST_BODY_BYTES (forms, the company's logo and certificate)."""
    try:
        match = resolve(path)
    except Resolver404:
        return settings.MAX_REQUEST_BODY_BYTES
    if match.view_name in ("bulk:upload", "reconciliation:upload") or (match.namespace == "admin" and (match.url_name or "").endswith("_import")):
        file_limit = settings.MAX_IMPORT_UPLOAD_BYTES  # catalogue uploads and bank statements, and the admin's import of the same files
    elif match.view_name == "admin:catalogs_catalogentry_upload":
        file_limit = settings.MAX_CATALOG_UPLOAD_BYTES
    else:
        return settings.MAX_REQUEST_BODY_BYTES
    return max(file_limit + MULTIPART_ALLOWANCE, settings.MAX_REQUEST_BODY_BYTES)


class RequestBodyLimitMiddleware:
    """Refuse a request body larger than its page accepts before reading it (413).

    Django's own limits come too late for uploads: DATA_UPLOAD_MAX_MEMORY_SIZE does not count file
    fields, and the upload pages compare a file's size only after the whole body has been received
    into a temporary file — 200 MB of it for a 20 MB limit. A declared Content-Length is compared
    before a byte is read. A chunked body (no Content-Length; gunicorn passes it de-chunked) is read
    here up to the limit and no further, then handed to Django as an ordinary body: without this
    Django would read it as empty. (Under ASGI the server has received the body before any
    middleware runs.) A proxy in front should refuse sooner still (README, "Configuration").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        declared = meta.get("CONTENT_LENGTH")
        chunked = "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared or chunked:
            limit = body_limit(request.path_info)
            try:
                size = int(declared) if declared else None
            except ValueError:
                size = None  # Django reads a malformed length as no body at all
            if size is not None and size > limit:
                return self._refuse(request, limit)
            if size is None and chunked and "wsgi.input" in meta and not self._take_chunked(request, limit):
                return self._refuse(request, limit)
        return self.get_response(request)

    @staticmethod
    def _take_chunked(request, limit):
        """Read the de-chunked body into a spooled file, stopping past ``limit`` (False)."""
        stream = request.META["wsgi.input"]
        body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
        total = 0
        while True:
            chunk = stream.read(min(READ_CHUNK, limit + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                body.close()
                return False
            body.write(chunk)
        body.seek(0)
        request.META["CONTENT_LENGTH"] = str(total)
        request._stream = LimitedStream(body, total)  # what WSGIRequest reads its body from
        return True

    @staticmethod
    def _refuse(request, limit):
        return render(request, "413.html", {"limit_mb": f"{limit / 1_000_000:.0f}"}, status=413)
