"""A file a page uploads: the multipart field ``file``, or the request body itself."""

from __future__ import annotations

from fastapi import Request

from officegate.server.errors import InvalidInput


async def read_upload(request: Request, *, what: str, max_bytes: int | None = None) -> bytes:
    """The uploaded bytes (at most ``max_bytes`` + 1, so the caller can refuse a larger
    one); InvalidInput (422) naming ``what`` when a form carries no file."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidInput("no_file", f"send the {what} in the form field 'file'",
                               f"フォーム項目 file で {what} を送ってください")
        return await upload.read(-1 if max_bytes is None else max_bytes + 1)
    return await request.body()
