from data.db import db
from data.migrations import migrate, pending
from data.records import MODELS


def test_schema_matches_models(database):
    for model in MODELS:
        columns = {c.name for c in db.get_columns(model._meta.table_name)}
        fields = {f.column_name for f in model._meta.sorted_fields}
        assert columns == fields, model.__name__


def test_migrations_are_recorded_and_not_repeated(database):
    assert pending() == []
    assert migrate() == []
