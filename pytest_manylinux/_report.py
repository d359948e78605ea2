"""What the controlling process reports: the summary, the JSON and Markdown files, junit names.

Every gate item and marked test sends its result records on its own test
report (as an attribute, which pytest-xdist carries to the controller), so
the reports list every wheel, target and check that ran, whatever the order,
``-k`` or ``-n``. The run's verdict in every report is computed from those
records *and* the exit status, so no report says "pass" while the run fails.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from ._errors import safe_annotation, safe_json, safe_output
from ._files import write_atomically
from ._session import Session, session_of

if TYPE_CHECKING:
    from ._render import BaselineJSON, DocumentJSON, ResultJSON, WheelInfoJSON

__all__ = ["Reporter", "attach"]

#: The attribute of a TestReport that carries our data (plain JSON-able values).
ATTRIBUTE = "manylinux"
_UNKNOWN = object()
_RANK = {"passed": 0, "allowed": 1, "xfailed": 1, "failed": 2}


def attach(item: pytest.Item, report: pytest.TestReport, data: dict[str, Any] | None) -> None:
    """Put an item's results on its report, and a readable junit class name for gate items."""
    if data is not None and (report.when == "call" or not report.passed):
        if hasattr(report, "wasxfail") and "results" in data:
            # The test expects this failure (a strict xfail documents a policy the wheel
            # does not meet): its failed results are expected, not a failing wheel.
            data = {**data, "results": [_expected(r) for r in data["results"]]}
        setattr(report, ATTRIBUTE, data)
    from ._gate import GateItem  # noqa: PLC0415

    if isinstance(item, GateItem) or type(item).__module__ == GateItem.__module__:
        parts = report.nodeid.split("::")[:-1]
        report.__dict__["manylinux_classname"] = ".".join(p.replace(".", "_") for p in parts)


def _expected(result: ResultJSON) -> ResultJSON:
    return {**result, "outcome": "xfailed"} if result["outcome"] == "failed" else result


class Reporter:
    """Hooks only the controlling process runs (the only process under plain pytest)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.document: DocumentJSON | None = None
        self.write_errors: list[str] = []
        self._junit: Any = _UNKNOWN  # the junit-xml plugin, looked up once
        self.deselected = 0
        self.baselines: dict[str, BaselineJSON] = {}
        self.recorded: dict[str, dict[str, dict[str, Any]]] = {}  # baseline file -> family -> entry (JSON)
        self.baseline_lines: list[str] = []
        self.unused_lines: list[str] = []
        self.planned: dict[str, dict[str, int]] = {}  # wheel -> target -> checks of the whole gate

    @property
    def session(self) -> Session:
        return session_of(self.config)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        classname = getattr(report, "manylinux_classname", None)
        if classname:
            self._junit_classname(report, classname)
        data = getattr(report, ATTRIBUTE, None)
        if not isinstance(data, dict):
            return
        collected = self.session.collected
        if "error" in data:
            collected.errors[str(data["wheel"])] = str(data["error"])
            return
        for wheel, counts in [(str(data["results"][0]["wheel"]), data["planned"])] if data.get("planned") else []:
            mine = self.planned.setdefault(wheel, {})
            for target, count in counts.items():
                mine[target] = max(mine.get(target, 0), int(count))
        for raw in data.get("infos") or ([data["info"]] if data.get("info") else []):
            info = self._take_baseline(raw)
            collected.infos.setdefault(info["wheel"], cast("WheelInfoJSON", info))
        for result in data.get("results", ()):
            key = (result["wheel"], result["target"], result["check"], result["file"] or "")
            known = collected.results.get(key)
            if known is None or _RANK[result["outcome"]] > _RANK[known["outcome"]]:
                collected.results[key] = result
            if data.get("how"):
                collected.hows.setdefault(result["wheel"], str(data["how"]))
        if not self.session.header_shown and not self.session.gated:
            self.session.header_shown = True
            reporter = self.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(safe_output(self.session.header()))

    def _take_baseline(self, info: dict[str, Any]) -> dict[str, Any]:
        """Keep a baseline comparison and the entry to record, which ride on a wheel's info; return the info."""
        if "baseline" not in info and "baseline_entry" not in info:
            return info
        info = dict(info)
        comparison, record = info.pop("baseline", None), info.pop("baseline_entry", None)
        if comparison is not None:
            self.baselines[info["wheel"]] = comparison
        if record is not None:
            self.recorded.setdefault(record["file"], {})[record["key"]] = record["entry"]
        return info

    def _write_baselines(self) -> None:
        """Record the entries the ::baseline items and marked tests sent: once, here, also under xdist."""
        from ._baseline import BaselineError, entry_from_json, update_baseline  # noqa: PLC0415

        for file, entries in sorted(self.recorded.items()):
            path = Path(file)
            try:
                new = [entry_from_json(key, data) for key, data in sorted(entries.items())]
                old, merged, wrote = update_baseline(path, new)
            except (BaselineError, ValueError) as e:
                self.write_errors.append(f"cannot record the baseline: {e}")
                continue
            added = sum(e.key not in old for e in new)
            changed = sum(e.key in old and old[e.key] != e for e in new)
            state = "wrote" if wrote else "unchanged"
            counts = f"{added} added, {changed} changed, {len(merged) - added - changed} kept"
            self.baseline_lines.append(f"baseline {state}: {path} ({counts})")

    def _junit_classname(self, report: pytest.TestReport, classname: str) -> None:
        """Give gate items class names without the dots of file names, for CI test trees.

        junit's class name is the node ID with dots; ``wheel-1.0-….whl`` would
        nest as nine packages. The junit plugin keeps attributes a test set
        before its report is written (what ``record_xml_attribute`` uses).
        """
        if self._junit is _UNKNOWN:
            self._junit = next(
                (
                    plugin
                    for plugin in self.config.pluginmanager.get_plugins()
                    if callable(getattr(plugin, "node_reporter", None)) and hasattr(plugin, "logfile")
                ),
                None,
            )
        if self._junit is not None:
            try:
                self._junit.node_reporter(report).add_attribute("classname", classname)
            except (AttributeError, TypeError):  # pragma: no cover - another junit implementation
                self._junit = None

    def _document(self, exitstatus: int) -> DocumentJSON:
        from . import __version__  # noqa: PLC0415
        from ._render import document, wheel_json  # noqa: PLC0415

        collected = self.session.collected
        by_wheel: dict[str, list[ResultJSON]] = {}
        for result in collected.results.values():
            by_wheel.setdefault(result["wheel"], []).append(result)
        wheels = [
            wheel_json(collected.infos.get(w) or _bare_info(w), rs, self.baselines.get(w), self.planned.get(w))
            for w, rs in by_wheel.items()
        ]
        errors = [collected.errors[w] for w in sorted(collected.errors)]
        return document(
            wheels,
            tool=f"pytest-manylinux {__version__}",
            policy_data=self.session.policies.source,
            errors=errors,
            exit_status=exitstatus,
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        settings = self.session.settings
        if self.recorded:
            self._write_baselines()
        elif settings.update_baseline:
            self.baseline_lines.append(
                "baseline: --manylinux-update-baseline recorded nothing: no ::baseline item "
                "(--manylinux-baseline with the gate) and no marker with baseline= ran"
            )
        wanted = settings.json_path or settings.markdown_path
        collected = self.session.collected
        if (collected.results or self.session.gated) and not self.deselected and not collected.errors:
            self._unused_allowances(session)
        if not (wanted or collected.results or collected.errors or self.session.gated):
            return
        # JSON first, then Markdown: a report that could not be written fails the run
        # before the next one is written, so neither can say PASS for it; the JSON is
        # rewritten when only the Markdown failed after it.
        doc = self._document(int(session.exitstatus))
        json_ok = settings.json_path is not None and self._write(settings.json_path, doc, session, append=False)
        if settings.markdown_path is not None and not self._write(settings.markdown_path, doc, session, append=True):
            if json_ok and settings.json_path is not None:
                self._write(settings.json_path, self._failed(doc, session), session, append=False)
        if self.write_errors:
            doc = self._failed(doc, session)
        self.document = doc
        if os.environ.get("GITHUB_ACTIONS") == "true":
            self._annotate(self.document)

    def _write(self, path: Path, doc: DocumentJSON, session: pytest.Session, *, append: bool) -> bool:
        """Write one report; a failure fails the run (and every report written after it)."""
        try:
            if append:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as f:
                    f.write(_markdown_text(self._failed(doc, session) if self.write_errors else doc))
            else:
                write_atomically(path, _json_text(self._failed(doc, session) if self.write_errors else doc))
        except OSError as e:
            self.write_errors.append(f"cannot write {path}: {e.strerror or e}")
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.INTERNAL_ERROR  # a gate whose report is missing has not passed
            return False
        return True

    @staticmethod
    def _failed(doc: DocumentJSON, session: pytest.Session) -> DocumentJSON:
        """The document of a run that failed after it was made (a report could not be written)."""
        return {**doc, "passed": False, "exit_status": int(session.exitstatus)}

    def _annotate(self, document: DocumentJSON) -> None:
        """GitHub Actions annotations per failing wheel and check, on stderr (issue 15).

        Written by the controller from the collected results, so under
        pytest-xdist they appear once; stderr keeps stdout as pytest made it.
        """
        from ._render import render_annotations  # noqa: PLC0415

        lines = render_annotations(document)
        if lines:
            sys.stderr.write("\n".join(safe_annotation(line) for line in lines) + "\n")
            sys.stderr.flush()

    def _unused_allowances(self, session: pytest.Session) -> None:
        """Name the config file's and command line's entries that accepted nothing; fail under strict.

        Computed from the results the items sent (each allowed violation with its
        file), so it holds under -n and keeps the allowances frozen.
        """
        from ._checks import Allowances  # noqa: PLC0415
        from ._config import render_unused  # noqa: PLC0415
        from ._model import Check, Violation  # noqa: PLC0415

        settings = self.session.settings
        allow = Allowances(
            libraries=settings.allow_libraries, symbols=settings.allow_symbols, checks=settings.allow_checks
        )
        if not allow.entries():
            return
        used: set[str] = set()
        for result in self.session.collected.results.values():
            for v in result["violations"]:
                if v["allowed_by"] is not None:
                    found = Violation(
                        Check(v["check"]), v["subject"], symbols=tuple(v["symbols"]), allowed_by=v["allowed_by"]
                    )
                    used |= allow.used(result["file"], found, input_path=result["wheel"])
        unused = {k: r for k, r in allow.entries().items() if k not in used}
        self.unused_lines = render_unused(unused, strict=settings.strict_allowlist)
        if unused and settings.strict_allowlist and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        """Count gate items that ``-k``/``-m`` left out: a verdict then covers only part of the gate."""
        from ._gate import GateItem  # noqa: PLC0415

        self.deselected += sum(isinstance(item, GateItem) for item in items)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.document is None and not self.baseline_lines and not self.unused_lines:
            return
        from ._render import render_summary  # noqa: PLC0415

        terminalreporter.section("manylinux")
        # Every line through the last guard: wheel names reach CI logs from here.
        for line in render_summary(self.document, self.session.collected.hows) if self.document else ():
            terminalreporter.line(safe_output(line))
        for line in self.baseline_lines:
            terminalreporter.line(safe_output(line))
        for line in self.unused_lines:
            terminalreporter.line(
                safe_output(line),
                yellow=not self.session.settings.strict_allowlist,
                red=self.session.settings.strict_allowlist,
            )
        if self.deselected:
            terminalreporter.line(
                f"note: {self.deselected} gate item(s) deselected (-k/-m): the verdict covers only the checks that ran"
            )
        for error in self.write_errors:
            terminalreporter.line(safe_output(f"ERROR {error}"), red=True)


def _json_text(doc: DocumentJSON) -> str:
    """The JSON report's text: no workflow command in it, the same strings for json.loads."""
    return safe_json(json.dumps(doc, indent=2)) + "\n"


def _markdown_text(doc: DocumentJSON) -> str:
    """The Markdown report's text, through the last guard (a job summary is also printed in logs)."""
    from ._render import render_markdown  # noqa: PLC0415

    return safe_output(render_markdown(doc))


def _bare_info(wheel: str) -> WheelInfoJSON:
    return {
        "wheel": wheel,
        "kind": "wheel",
        "pure": False,
        "overall_tag": None,
        "sym_tag": None,
        "declared_tags": [],
        "versioned_symbols": {},
        "external_libs": {},
        "pyfpe": False,
        "ucs2": False,
        "unsupported_isa": False,
        "abi3_minimum": None,
        "files": [],
        "files_more": 0,
        "notes": [],
    }
