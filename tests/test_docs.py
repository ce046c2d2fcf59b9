"""The project's own documents: the product description is in the repository, not outside it."""
import re
from pathlib import Path

from data.status import STATUSES

ROOT = Path(__file__).resolve().parents[1]


def test_readme_points_only_at_documents_a_clone_has():
    readme = (ROOT / "README.md").read_text()
    assert "../shared" not in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_product_description_lists_the_statuses_the_app_ranks():
    product = (ROOT / "docs" / "product.md").read_text()
    rows = dict(re.findall(r"^\| (\d+) \| ([^|]+?) \|", product, re.MULTILINE))
    assert {int(p): label.lower() for p, label in rows.items()} == {
        s.priority: s.label.lower() for s in STATUSES if s.code != "active"}
    for heading in ("## Scopes", "## Simple search", "## Advanced search", "## Columns of the list"):
        assert heading in product
