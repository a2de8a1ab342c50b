"""The EU database registration data of a high-risk system (EU AI Act Art. 49, Annex VIII
Section A: what a provider submits), filled from the record and the technical document, with
what is still missing marked, and written as an XLSX sheet.

Each row is one point of Annex VIII Section A; its status is ``filled``, ``missing`` (a blank
the provider must fill before registering), ``where applicable`` (asked only in some cases:
empty is not an error) or ``not applicable``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill

from apps.core.spreadsheets import neutralise_formula
from apps.systems.models import EUAIActTier, LifecycleStage

FILLED, MISSING, WHERE_APPLICABLE, NOT_APPLICABLE = (
    "filled",
    "missing",
    "where applicable",
    "not applicable",
)
# Annex III areas for which the instructions for use are not submitted (Annex VIII A.12).
NO_INSTRUCTIONS_AREAS = {"1", "6", "7"}
MISSING_FILL = PatternFill("solid", fgColor="FFF3CD")


@dataclass(frozen=True)
class RegistrationRow:
    point: str
    label: str
    value: str
    status: str
    url: str = ""  # where a missing value is filled

    @property
    def is_missing(self) -> bool:
        return self.status == MISSING


def _status(value: str, *, optional: bool = False) -> str:
    if value.strip():
        return FILLED
    return WHERE_APPLICABLE if optional else MISSING


def _market_status(system) -> str:
    stage = system.lifecycle_stage
    if stage in (LifecycleStage.PILOT, LifecycleStage.PRODUCTION):
        return f"In service ({system.get_lifecycle_stage_display().lower()})"
    if stage == LifecycleStage.RETIRED or system.is_archived:
        return "No longer in service"
    return (
        f"Not yet placed on the market or put into service "
        f"({system.get_lifecycle_stage_display().lower()})"
    )


def registration_rows(document) -> list[RegistrationRow]:
    """The points of Annex VIII Section A for the document's system."""
    system = document.system

    def edit(group: str, name: str) -> str:
        return reverse("documentation:edit", args=[document.pk, group]) + f"#id_{name}"

    system_edit = reverse("systems:edit", args=[system.pk])
    described = "\n\n".join(t for t in (system.purpose, system.description) if t.strip())
    data = "\n\n".join(
        t
        for t in (
            document.input_specifications.strip(),
            ("Data it processes: " + ", ".join(system.data_categories))
            if system.data_categories
            else "",
        )
        if t
    )
    trade_name = document.trade_name.strip() or system.name
    identification = f"{trade_name} — {system.reference}"
    if system.model_version:
        identification += f", model version {system.model_version}"
    certificate = document.notified_body_certificate.strip()
    no_instructions = system.eu_ai_act_area in NO_INSTRUCTIONS_AREAS
    rows = [
        RegistrationRow(
            "A.1",
            "Provider: name, address and contact details",
            document.provider,
            _status(document.provider),
            edit("general", "provider"),
        ),
        RegistrationRow(
            "A.2",
            "Person registering on the provider's behalf",
            document.registrant,
            _status(document.registrant, optional=True),
            edit("registration", "registrant"),
        ),
        RegistrationRow(
            "A.3",
            "Authorised representative",
            document.authorised_representative,
            _status(document.authorised_representative, optional=True),
            edit("registration", "authorised_representative"),
        ),
        RegistrationRow(
            "A.4",
            "Trade name and a reference that identifies and traces the system",
            identification,
            FILLED,
        ),
        RegistrationRow(
            "A.5",
            "Intended purpose, and the components and functions it supports",
            described,
            FILLED if system.description.strip() else MISSING,
            system_edit + "#id_description",
        ),
        RegistrationRow(
            "A.6",
            "The information it uses (data, inputs) and how it works",
            data,
            _status(document.input_specifications),
            edit("functioning", "input_specifications"),
        ),
        RegistrationRow("A.7", "Status on the market", _market_status(system), FILLED),
        RegistrationRow(
            "A.8",
            "Notified body certificate: type, number, expiry, notified body",
            certificate,
            _status(certificate, optional=True),
            edit("conformity", "notified_body_certificate"),
        ),
        RegistrationRow(
            "A.9",
            "Scanned copy of that certificate",
            "To attach when registering" if certificate else "",
            WHERE_APPLICABLE,
        ),
        RegistrationRow(
            "A.10",
            "Member States where it is placed on the market, put into service or made available",
            document.member_states,
            _status(document.member_states),
            edit("registration", "member_states"),
        ),
        RegistrationRow(
            "A.11",
            "Copy of the EU declaration of conformity (Art. 47)",
            document.declaration_of_conformity,
            _status(document.declaration_of_conformity),
            edit("conformity", "declaration_of_conformity"),
        ),
        RegistrationRow(
            "A.12",
            "Electronic instructions for use",
            "Not submitted for Annex III areas 1, 6 and 7"
            if no_instructions
            else document.instructions_for_use,
            NOT_APPLICABLE if no_instructions else _status(document.instructions_for_use),
            edit("general", "instructions_for_use"),
        ),
        RegistrationRow(
            "A.13",
            "Address for more information (optional)",
            document.information_url,
            _status(document.information_url, optional=True),
            edit("registration", "information_url"),
        ),
    ]
    return rows


def applies_to(system) -> bool:
    """Section A is what providers of high-risk systems submit (Art. 49(1))."""
    return system.eu_ai_act_tier == EUAIActTier.HIGH_RISK


def _cell(sheet, value, *, bold=False, fill=None) -> WriteOnlyCell:
    if isinstance(value, str):
        value = neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    cell = WriteOnlyCell(sheet, value)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)
    if fill is not None:
        cell.fill = fill
    return cell


def write_registration_xlsx(document, target) -> None:
    """The sheet: one row per point of Annex VIII Section A, missing ones highlighted."""
    system = document.system
    rows = registration_rows(document)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Annex VIII Section A")
    for letter, width in zip("ABCD", (8, 48, 80, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append(
        [
            _cell(
                sheet,
                f"EU database registration data — {system.reference} {system.name}",
                bold=True,
            )
        ]
    )
    note = (
        "Registration under Art. 49(1) and Annex VIII Section A is for high-risk systems; "
        f"this system's tier is “{system.get_eu_ai_act_tier_display()}”."
        if not applies_to(system)
        else "EU AI Act Art. 49(1), Annex VIII Section A (information submitted by providers)."
    )
    sheet.append([_cell(sheet, note)])
    missing = sum(1 for row in rows if row.is_missing)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    sheet.append(
        [_cell(sheet, f"Filled from the register on {stamp}: {missing} point(s) missing.")]
    )
    sheet.append([])
    sheet.append([_cell(sheet, name, bold=True) for name in ("Point", "Field", "Value", "Status")])
    for row in rows:
        fill = MISSING_FILL if row.is_missing else None
        status = "MISSING" if row.is_missing else row.status
        sheet.append(
            [
                _cell(sheet, row.point),
                _cell(sheet, row.label),
                _cell(sheet, row.value, fill=fill),
                _cell(sheet, status, bold=row.is_missing, fill=fill),
            ]
        )
    workbook.save(target)
