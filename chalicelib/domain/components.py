"""The components of a dossier (thành phần hồ sơ), and how an attachment is known to be one.

The portal's file names mean nothing: one portal sends `request.pdf`, another
`DanhSachNguoiLaoDong.pdf`, a third a number. So an attachment is known by what it is, in this order:

1. the component the portal declares when it uploads the file (`?component=worker_list`);
2. else its content: the document type the extraction read (a list of workers is a list whatever its
   name), and, under the flow of seed 000 (the portal forwards the employer's *signed data*), a list
   of workers that carries a digital signature is also the employer's request;
3. only then its name, as a hint (`de_nghi`, `danh_sach`, ... without diacritics, any case).

One file may fulfil several components. Every message names a component as an employer knows it
("Danh sách người lao động đề nghị hỗ trợ"), never by a file prefix or an internal field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["COMPONENTS", "Component", "UnknownComponent", "component", "infer_components", "name_hints_of"]


class UnknownComponent(KeyError):
    """A component code no procedure knows."""


@dataclass(frozen=True)
class Component:
    """One kind of document a procedure may require."""

    code: str
    """What the portal declares (`?component=`) and findings refer to."""
    title: str
    """As the applicant knows it, in Vietnamese: printed on slips and in findings."""
    title_en: str
    document_types: tuple[str, ...]
    """The extraction's document types that are this component (`chalicelib.extraction.classify`)."""
    name_hints: tuple[str, ...]
    """Word stems of file names (no diacritics, lower case) that suggest this component."""
    signed: bool = False
    """Must carry the applicant's digital signature (PAdES)."""


COMPONENTS: dict[str, Component] = {
    c.code: c
    for c in (
        Component(
            code="request",
            title="Văn bản đề nghị hỗ trợ có chữ ký số của người nộp hồ sơ",
            title_en="The applicant's digitally signed request",
            document_types=("request_form",),
            name_hints=("request", "de nghi", "denghi", "giay de nghi", "don de nghi", "to khai", "mau 01", "mau01"),
            signed=True,
        ),
        Component(
            code="worker_list",
            title="Danh sách người lao động đề nghị hỗ trợ",
            title_en="The list of workers for whom support is requested",
            document_types=("worker_list",),
            name_hints=(
                "worker list",
                "worker_list",
                "workers",
                "danh sach",
                "danhsach",
                "ds nld",
                "dsnld",
                "nguoi lao dong",
            ),
        ),
        Component(
            code="agreement",
            title="Văn bản thỏa thuận tạm hoãn hợp đồng lao động / nghỉ việc không hưởng lương",
            title_en="The agreement to suspend the labour contract or take unpaid leave",
            document_types=("suspension_agreement",),
            name_hints=("agreement", "thoa thuan", "thoathuan", "tam hoan"),
        ),
        Component(
            code="worker_request",
            title="Đề nghị hỗ trợ của người lao động (Mẫu 07)",
            title_en="The worker's own request for support (form 07)",
            document_types=(),
            name_hints=("mau 07", "mau07", "de nghi ho tro"),
            # the portal authenticated the citizen: that stands in for a signature (procedure `identity`)
        ),
        Component(
            code="termination_paper",
            title="Văn bản chấm dứt hợp đồng lao động hoặc quyết định thôi việc",
            title_en="The paper ending the labour contract (termination or dismissal decision)",
            document_types=(),
            name_hints=("cham dut", "chamdut", "thoi viec", "thoiviec", "termination"),
        ),
        Component(
            code="si_book",
            title="Sổ bảo hiểm xã hội hoặc xác nhận quá trình tham gia bảo hiểm thất nghiệp",
            title_en="The social insurance book or a confirmation of unemployment-insurance participation",
            document_types=(),
            name_hints=("so bhxh", "sobhxh", "so bao hiem", "si book"),
        ),
    )
}


def component(code: str) -> Component:
    try:
        return COMPONENTS[code]
    except KeyError:
        raise UnknownComponent(code) from None


def _plain(text: str) -> str:
    """'DanhSáchNgườiLaoĐộng_T4.pdf' -> 'danh sach nguoi lao dong t4 pdf': words split at case changes,
    digits and punctuation, so that a hint matches however the portal glued the words together."""
    text = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return " ".join(re.split(r"[^A-Za-z0-9]+", text)).lower().strip()


def name_hints_of(name: str) -> tuple[str, ...]:
    """The components a file's name suggests (the weakest evidence: used only when nothing else tells)."""
    plain = f" {_plain(name)} "
    glued = plain.replace(" ", "")
    return tuple(
        c.code
        for c in COMPONENTS.values()
        if any(
            f" {hint} " in plain or (" " in hint and hint.replace(" ", "") in glued) or plain.startswith(f" {hint}")
            for hint in c.name_hints
        )
    )


def infer_components(name: str, declared: Iterable[str], document_type: str | None, signed: bool) -> tuple[str, ...]:
    """The components one attachment fulfils: declared, else by content, else by name (module doc)."""
    declared = tuple(dict.fromkeys(declared))
    if declared:
        return declared
    by_content = [c.code for c in COMPONENTS.values() if document_type in c.document_types]
    if "worker_list" in by_content and signed:
        by_content.append("request")  # the employer's signed data: its list is its request (seed 000)
    if by_content:
        return tuple(by_content)
    hinted = list(name_hints_of(name))
    if "worker_list" in hinted and signed and "request" not in hinted:
        hinted.append("request")
    return tuple(hinted)
