"""Production entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``."""
import logging
import os

from app import create_app

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                    format="%(asctime)s %(levelname)s %(name)s %(message)s")
app = create_app()
