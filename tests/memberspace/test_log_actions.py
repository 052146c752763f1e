"""The history's action codes: each declared once (its app's wagtail_hooks.py), each declared one written."""

import re
from pathlib import Path

from wagtail.log_actions import registry

ROOT = Path(__file__).resolve().parents[2]
WRITTEN = re.compile(r'\baction="(po\.[a-z_]+\.[a-z_]+)"')  # log(..., action="po.x.y")


def written_codes():
    return {
        code
        for path in (ROOT / "memberspace").rglob("*.py")
        if "site-packages" not in path.parts
        for code in WRITTEN.findall(path.read_text())
    }


def declared_codes():
    registry.scan_for_actions()
    return {code for code in registry.formatters if code.startswith("po.")}


def test_every_code_a_service_writes_is_declared_with_a_french_label():
    written = written_codes()
    assert len(written) >= 20  # the reading of the sources works
    assert written <= declared_codes(), written - declared_codes()
    for code in written:
        assert registry.get_action_label(code) not in ("", code)


def test_every_declared_code_is_written_somewhere():
    assert declared_codes() <= written_codes(), declared_codes() - written_codes()
