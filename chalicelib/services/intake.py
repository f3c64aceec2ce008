"""Reception (tiếp nhận): what the portal does before the pipeline takes over.

Create a dossier (idempotent on the portal code), attach its files, submit it. Nothing here is
lost on a crash: a dossier is saved before its first message is sent, and a dossier whose message
never left is found and sent again by the sweep (`requeue_stuck`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import ValidationError

from chalicelib.adapters import queues
from chalicelib.adapters.blobs import attachment_key, originals
from chalicelib.adapters.store import store
from chalicelib.config import settings
from chalicelib.domain import notes
from chalicelib.domain.dossier import Attachment, CreateDossier, Dossier, utcnow
from chalicelib.domain.media import ATTACHMENT_TYPES, MAX_INLINE_BYTES, MAX_UPLOAD_BYTES
from chalicelib.domain.messages import Step, StepMessage
from chalicelib.domain.procedures import PROCEDURES, procedure, procedure_of
from chalicelib.domain.states import Status
from chalicelib.errors import ConcurrentUpdate, Conflict, InvalidInput, TooLarge, UnsupportedMedia
from chalicelib.logs import logger
from chalicelib.services.saving import save

__all__ = ["create_dossier", "put_attachment", "requeue_stuck", "submit", "upload_ticket", "validation_details"]

_NAME = re.compile(r"^[^\W_][\w .,()+\-]{0,99}$")
"""The portal's file names as portals write them ("Danh sách NLĐ (T4).pdf"): letters of any script,
digits, spaces and a little punctuation; never a path, a control character or a leading dot."""
_EDITABLE = (Status.DRAFT, Status.NEEDS_CORRECTION)

T = TypeVar("T")


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]}
        for e in error.errors(include_url=False, include_input=False)
    ]


def create_dossier(body: Any, by: str) -> tuple[Dossier, bool]:
    """Validate the portal's body and store the dossier; `(dossier, False)` if the code is known."""
    if isinstance(body, dict) and isinstance(body.get("procedure"), str) and body["procedure"] not in PROCEDURES:
        raise InvalidInput(
            "unknown_procedure",
            f"Thủ tục «{body['procedure'][:60]}» không được tiếp nhận tại đây.",
            f"Unknown procedure; expected one of {', '.join(PROCEDURES)}.",
        )
    try:
        request = CreateDossier.model_validate(body)
    except ValidationError as error:
        raise InvalidInput(
            "invalid_body",
            "Dữ liệu hồ sơ không hợp lệ: "
            + "; ".join(f"{d['field']}: {d['problem']}" for d in validation_details(error)[:5]),
            "The dossier body is not valid.",
            validation_details(error),
        ) from None
    _fits_its_procedure(request)
    dossier, created = store().create(Dossier.new(request, by=by))
    logger().info(
        "dossier created" if created else "dossier already known",
        extra={"dossier_id": dossier.id, "portal_code": dossier.portal_code},
    )
    return dossier, created


def _fits_its_procedure(request: CreateDossier) -> None:
    """What the procedure's data says of who files it and where (`chalicelib/procedures`)."""
    rules = procedure(request.procedure)
    if not rules.received_by_bhxh and not settings().receives_household_business(request.applicant.province_code):
        raise InvalidInput("not_received_here", rules.filed_at_vi, rules.filed_at_en)
    if rules.identity.kind != "citizen":
        return
    if request.applicant.unit_code or request.applicant.tax_code or request.applicant.industry:
        raise InvalidInput(
            "worker_with_employer_fields",
            "Người lao động tự nộp hồ sơ này: không ghi mã đơn vị, mã số thuế; người nộp được xác định bằng số CCCD.",
            "The worker files this procedure for themselves: no unit code or tax code; the applicant is known by their CCCD.",
        )
    if (
        len(request.workers) != 1
        or not (request.workers[0].id_number or "").isdigit()
        or len(request.workers[0].id_number or "") != 12
    ):
        raise InvalidInput(
            "worker_identity_required",
            "Hồ sơ do người lao động tự nộp ghi đúng một người lao động là người nộp, có số CCCD (12 chữ số).",
            "A dossier the worker files for themselves lists exactly one worker, the applicant, with their CCCD (12 digits).",
        )


def _editable(dossier: Dossier) -> None:
    if dossier.status not in _EDITABLE:
        raise Conflict(
            "not_editable",
            f"Hồ sơ đang ở trạng thái «{dossier.status}», không thể thay đổi tệp đính kèm.",
            f"The dossier is {dossier.status}; attachments can no longer change.",
        )


def _check_name(name: str) -> str:
    """The name in NFC (the same name typed on two systems is one key), or InvalidInput."""
    name = unicodedata.normalize("NFC", name or "")
    if not _NAME.fullmatch(name) or name != name.strip():
        raise InvalidInput(
            "invalid_attachment_name",
            "Tên tệp gồm chữ cái, chữ số, dấu cách và các dấu . , - _ ( ) +, bắt đầu bằng chữ hoặc số (tối đa 100 ký tự).",
            "Attachment names are 1-100 letters, digits, spaces and . , - _ ( ) +, starting with a letter or digit.",
        )
    return name


def _media_type(content_type: str | None) -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in ATTACHMENT_TYPES:
        raise UnsupportedMedia(
            "unsupported_media_type",
            "Chỉ nhận tệp PDF, PNG, JPEG hoặc TIFF.",
            f"Content-Type must be one of {', '.join(ATTACHMENT_TYPES)}.",
        )
    return media


def _check_content(media: str, data: bytes) -> None:
    if not data:
        raise InvalidInput("empty_attachment", "Tệp đính kèm rỗng.", "The attachment is empty.")
    if not data.startswith(ATTACHMENT_TYPES[media]):
        raise UnsupportedMedia(
            "content_mismatch", f"Nội dung tệp không phải là {media}.", f"The file's content is not {media}."
        )


def _update(dossier_id: str, change: Callable[[Dossier], Dossier]) -> Dossier:
    """Apply `change` to the latest dossier and save, retrying when someone saved in between."""
    for _ in range(5):
        dossier = store().get(dossier_id)
        try:
            return save(change(dossier))
        except ConcurrentUpdate:
            continue
    raise Conflict("busy", "Hồ sơ đang được cập nhật, vui lòng thử lại.", "The dossier is being updated; try again.")


def _declared(dossier: Dossier, components: str | None) -> list[str]:
    """The components the portal declares a file to be (comma-separated codes), each one its
    procedure knows; nothing declared is fine (the content decides)."""
    from chalicelib.domain.components import COMPONENTS

    codes = [c.strip() for c in (components or "").split(",") if c.strip()]
    known = procedure_of(dossier).components
    unknown = [c for c in codes if c not in known]
    if unknown:
        names = ", ".join(f"{c} ({COMPONENTS[c].title})" for c in known)
        raise InvalidInput(
            "unknown_component",
            f"Thủ tục này không có thành phần hồ sơ «{unknown[0][:40]}». Các thành phần: {names}.",
            f"This procedure has no component {unknown[0][:40]!r}; its components are {', '.join(known)}.",
        )
    return list(dict.fromkeys(codes))


def put_attachment(
    dossier_id: str, name: str, content_type: str | None, data: bytes, component: str | None = None
) -> Dossier:
    """Store one file of a draft (or a dossier being corrected); `component`: what the portal says
    it is (comma-separated codes of `chalicelib.domain.components`), optional."""
    name = _check_name(name)
    media = _media_type(content_type)
    if len(data) > MAX_INLINE_BYTES:
        raise TooLarge(
            "attachment_too_large",
            "Tệp lớn hơn 6 MB: hãy tải lên qua POST /v1/dossiers/{id}/uploads.",
            "Files over 6 MB go through POST /v1/dossiers/{id}/uploads (presigned URL).",
        )
    _check_content(media, data)
    current = store().get(dossier_id)
    _editable(current)
    declared = _declared(current, component)
    digest = hashlib.sha256(data).hexdigest()
    version = originals().put(attachment_key(dossier_id, name), data, media, {"sha256": digest})
    attachment = Attachment(
        name=name,
        content_type=media,
        size=len(data),
        sha256=digest,
        uploaded_at=utcnow(),
        version_id=version,
        declared=declared,
    )

    def attach(dossier: Dossier) -> Dossier:
        _editable(dossier)
        return dossier.model_copy(update={"attachments": {**dossier.attachments, name: attachment}})

    return _update(dossier_id, attach)


_SHA256 = re.compile(r"[0-9a-f]{64}")


def upload_ticket(dossier_id: str, body: Any) -> dict[str, Any]:
    """A presigned PUT for a large file; submit picks the file up from S3."""
    if not isinstance(body, dict):
        raise InvalidInput(
            "invalid_body",
            "Cần một đối tượng JSON {name, content_type, size, sha256[, component]}.",
            "Expected a JSON object {name, content_type, size, sha256[, component]}.",
        )
    name, size, sha256 = body.get("name"), body.get("size"), body.get("sha256")
    name = _check_name(name if isinstance(name, str) else "")
    media = _media_type(body.get("content_type") if isinstance(body.get("content_type"), str) else None)
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0 or size > MAX_UPLOAD_BYTES:
        raise InvalidInput("invalid_size", "Kích thước tệp phải từ 1 byte đến 50 MB.", "size must be 1 byte to 50 MB.")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256.lower()):
        raise InvalidInput(
            "invalid_sha256",
            "Cần mã SHA-256 của tệp (64 ký tự hệ 16): tệp tải lên phải đúng là tệp đã khai.",
            "sha256 must be the file's SHA-256 in hex (64 characters): the upload is bound to it.",
        )
    sha256 = sha256.lower()
    component = body.get("component")
    current = store().get(dossier_id)
    _editable(current)
    declared = _declared(current, component if isinstance(component, str) else None)
    # what the file must be: kept with the object (signed into the URL in AWS) and checked at submit
    metadata = {"declared-sha256": sha256, "declared-size": str(size)}
    if declared:
        metadata["component"] = ",".join(declared)
    checksum = base64.b64encode(bytes.fromhex(sha256)).decode()
    expires = 900
    url = originals().presigned_put(
        attachment_key(dossier_id, name), media, expires, metadata, size=size, sha256_b64=checksum
    )
    return {
        "method": "PUT",
        "url": url,
        "headers": {
            "Content-Type": media,
            "x-amz-checksum-sha256": checksum,
            **{f"x-amz-meta-{k}": v for k, v in metadata.items()},
        },
        "expires_in": expires,
    }


def _collect_uploads(dossier: Dossier) -> Dossier:
    """Record files that arrived through presigned URLs since the dossier was last saved."""
    prefix = attachment_key(dossier.id, "")
    found = dict(dossier.attachments)
    for key in originals().keys(prefix):
        name = key[len(prefix) :]
        head = originals().head(key)
        if head is None or (name in found and found[name].version_id == head.version_id):
            continue
        declared_sha256 = head.metadata.get("declared-sha256", "")
        if (
            not _NAME.match(name)
            or head.content_type not in ATTACHMENT_TYPES
            or head.size > MAX_UPLOAD_BYTES
            or not declared_sha256
        ):
            continue  # not a file we handed a ticket for; the checks report what is missing
        digest, size = originals().sha256_of(key, head.version_id)
        if digest != declared_sha256 or str(size) != head.metadata.get("declared-size"):
            raise InvalidInput(
                "upload_mismatch",
                f"Tệp «{name}» đã tải lên khác với tệp đã khai (kích thước hoặc mã SHA-256): hãy tải lại đúng tệp.",
                f"The uploaded {name!r} is not the file declared for its ticket (size or SHA-256): upload it again.",
                {"name": name, "declared_sha256": declared_sha256, "sha256": digest, "size": size},
            )
        known = procedure_of(dossier).components
        found[name] = Attachment(
            name=name,
            content_type=head.content_type,
            size=head.size,
            sha256=digest,
            uploaded_at=utcnow(),
            version_id=head.version_id,
            declared=[c for c in head.metadata.get("component", "").split(",") if c in known],
        )
    return dossier.model_copy(update={"attachments": found})


def submit(dossier_id: str, by: str) -> Dossier:
    """Hand the dossier to the pipeline (202): saved first, then queued."""

    def to_submitted(dossier: Dossier) -> Dossier:
        if dossier.status not in _EDITABLE:
            raise Conflict(
                "already_submitted",
                f"Hồ sơ đã được nộp (trạng thái «{dossier.status}»).",
                f"The dossier was already submitted (status {dossier.status}).",
            )
        corrected = dossier.status == Status.NEEDS_CORRECTION
        note = notes.corrected() if corrected else None
        dossier = _collect_uploads(dossier).advance(Status.SUBMITTED, by=by, note=note)
        # the clock starts at this submission: a corrected one starts it again (the request stopped it)
        return dossier.model_copy(update={"received_at": dossier.history[-1].at})

    dossier = _update(dossier_id, to_submitted)
    _enqueue_extract(dossier)
    return dossier


def _enqueue_extract(dossier: Dossier) -> None:
    try:
        queues.send(StepMessage(dossier.id, "extract", _round(dossier)))
    except Exception:  # noqa: BLE001 - the dossier is saved; the sweep sends it again
        logger().exception("could not queue a submitted dossier; the sweep will", extra={"dossier_id": dossier.id})


def _round(dossier: Dossier) -> int:
    """How many times the dossier was submitted: a correction round starts the pipeline anew."""
    return sum(1 for h in dossier.history if h.status == Status.SUBMITTED)


STEP_LIMITS: dict[Status, tuple[timedelta, Step]] = {
    Status.SUBMITTED: (timedelta(minutes=5), "extract"),
    Status.PROCESSING: (timedelta(minutes=15), "extract"),
    Status.ACCEPTED: (timedelta(minutes=15), "confirm"),
    Status.CONFIRMED: (timedelta(minutes=15), "confirm"),
}
"""How long a dossier may sit in an automatic step, and which message moves it on."""


def requeue_stuck() -> int:
    """Send again every dossier sitting in an automatic step past its limit, and say so on the
    dossier (`attention`, shown in the worklist) rather than leaving it silently "processing"."""
    count = 0
    for status, (limit, step) in STEP_LIMITS.items():
        cutoff = (utcnow() - limit).isoformat()
        for dossier in store().in_status(status, updated_before=cutoff):
            minutes = int(limit.total_seconds() // 60)
            note = f"Hồ sơ dừng ở bước «{status.value}» quá {minutes} phút; hệ thống đã tự động xử lý lại."

            def flag(d: Dossier, status: Status = status, note: str = note) -> Dossier:
                return d if d.status != status else d.model_copy(update={"attention": note})

            try:
                _update(dossier.id, flag)
            except Conflict:
                continue
            queues.send(StepMessage(dossier.id, step, _round(dossier)))
            logger().warning("dossier stuck; queued again", extra={"dossier_id": dossier.id, "status": status.value})
            count += 1
    return count
