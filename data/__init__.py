"""Data layer: Peewee models, queries, search and lifecycle rules. No Flask imports here."""
