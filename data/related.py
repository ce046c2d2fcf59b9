"""A customer's accounts and xDRs, the targets of the list's links."""
from datetime import datetime, time, timedelta

from peewee import JOIN

from .paging import paginate
from .records import Account, Xdr


def customer_accounts(customer, page=1, per_page=50):
    """The customer's accounts by number, one page of them."""
    query = Account.select().where(Account.customer == customer.id).order_by(Account.number)
    return paginate(query, page, per_page)


def customer_xdrs(customer, start=None, end=None, page=1, per_page=50):
    """The customer's xDRs, newest first, optionally from ``start`` to ``end`` (dates, inclusive)."""
    query = (Xdr.select(Xdr, Account)
             .join(Account, JOIN.LEFT_OUTER)
             .where(Xdr.customer == customer.id)
             .order_by(Xdr.connect_time.desc(), Xdr.id.desc()))
    if start is not None:
        query = query.where(Xdr.connect_time >= datetime.combine(start, time.min))
    if end is not None:
        query = query.where(Xdr.connect_time < datetime.combine(end + timedelta(days=1), time.min))
    return paginate(query, page, per_page)
