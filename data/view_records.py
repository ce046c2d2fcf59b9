"""The tables of saved list views and per-user list settings (migration 0020)."""
from peewee import BigAutoField, BooleanField, CharField, DateTimeField, ForeignKeyField, TextField

from . import clock
from .models import BaseModel
from .records import User


class SavedView(BaseModel):
    """A named search of the customer list, stored as the list's URL query string."""
    id = BigAutoField()
    user = ForeignKeyField(User, backref="saved_views", on_delete="CASCADE")
    name = CharField(max_length=80)
    query = TextField(default="")
    shared = BooleanField(default=False)     # visible (read-only) to the user's team
    created_at = DateTimeField(default=clock.utcnow)

    class Meta:
        table_name = "saved_view"


class ListSetting(BaseModel):
    """A user's choices for the customer list; no row: the defaults."""
    user = ForeignKeyField(User, primary_key=True, backref="list_setting", on_delete="CASCADE")
    columns = TextField(default="")          # every column key in order, hidden ones prefixed "-"; "" = default
    compact = BooleanField(default=False)
    landing_view = ForeignKeyField(SavedView, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "list_setting"
