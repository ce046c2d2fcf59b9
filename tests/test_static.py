"""The stylesheets the app serves parse: a brace lost in one (a merge, say) silently drops
every rule after it, which no page test notices until a screen looks wrong."""
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "static"


@pytest.mark.parametrize("sheet", sorted(p.name for p in STATIC.glob("*.css")))
def test_braces_balance(sheet):
    depth = 0
    for number, line in enumerate((STATIC / sheet).read_text().splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet}:{number} closes a block never opened"
    assert depth == 0, f"{sheet}: {depth} block(s) never closed"
