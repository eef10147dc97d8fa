"""An import report as lines of text for the command line (the problems stay in Russian)."""
from panel.imports.columns import TableKind
from panel.imports.report import ImportReport

WHAT = {TableKind.ACCOUNTS: "personal accounts", TableKind.CHARGES: "payment documents"}


def report_lines(report: ImportReport) -> list[str]:
    if report.applied:
        lines = [
            f"{report.filename}: imported {WHAT[report.kind]} from {_count(report.rows, 'row')}:"
            f" {report.created} created, {report.updated} updated"
            + (f", {report.unchanged} unchanged" if report.unchanged else "")
        ]
        lines += [f"organisation created: {name}" for name in report.organisations_created]
        return lines
    lines = [f"{report.filename}: nothing imported, {_count(len(report.errors), 'problem')}:"]
    lines += [f"  {message}" for message in report.messages()]
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
