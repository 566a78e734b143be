"""Named leases in the database (table ops_locks), so that runs for the same registry never overlap.

Works on SQLite and PostgreSQL alike: taking a lock is an INSERT on the lock's primary key, so two
processes racing for it cannot both win. A lease names its holder (host, pid) and expires; a lease
whose holder is a dead process on this host, or that has expired, may be taken over.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from auditor.errors import AuditorError
from auditor.processes import pid_alive
from auditor.store.models_ops import OpsLock
from auditor.vocabulary import utcnow

DEFAULT_TTL = timedelta(hours=12)


class LockBusy(AuditorError):
    """Another live process holds the lock."""



def holder_dead(lock: OpsLock, now: datetime) -> bool:
    """The holder cannot come back: its lease expired, or it was a process of this host that is gone."""
    if lock.expires_at <= now:
        return True
    return lock.host == socket.gethostname() and not pid_alive(lock.pid)


class Lease:
    def __init__(self, factory: sessionmaker[Session], name: str, owner: str) -> None:
        self.factory, self.name, self.owner = factory, name, owner

    def release(self) -> None:
        with self.factory() as s:
            s.execute(delete(OpsLock).where(OpsLock.name == self.name, OpsLock.owner == self.owner))
            s.commit()


def acquire(factory: sessionmaker[Session], name: str, *, ttl: timedelta = DEFAULT_TTL,
            now: datetime | None = None, pid: int | None = None) -> Lease:
    """Take the lock `name` or raise LockBusy naming its holder."""
    now = now or utcnow()
    host, pid = socket.gethostname(), pid or os.getpid()
    owner = f"{host}:{pid}:{uuid.uuid4().hex[:8]}"
    with factory() as s:
        s.add(OpsLock(name=name, owner=owner, host=host, pid=pid, acquired_at=now, expires_at=now + ttl))
        try:
            s.commit()
            return Lease(factory, name, owner)
        except IntegrityError:
            s.rollback()
        held = s.get(OpsLock, name)
        if held is None:  # released between our INSERT and this read: try once more
            return acquire(factory, name, ttl=ttl, now=now, pid=pid)
        if not holder_dead(held, now):
            raise LockBusy(f"{name!r} is locked by {held.owner} since {held.acquired_at:%Y-%m-%d %H:%M:%S}",
                           hint="another run of the same target is in progress; it will be retried at the next "
                                "scheduled time")
        # take over a dead holder's lease; the WHERE on the old owner makes the takeover race-free
        res = s.execute(update(OpsLock).where(OpsLock.name == name, OpsLock.owner == held.owner)
                        .values(owner=owner, host=host, pid=pid, acquired_at=now, expires_at=now + ttl))
        s.commit()
        if res.rowcount != 1:
            raise LockBusy(f"{name!r} was taken over by another process", hint="retry later")
        return Lease(factory, name, owner)


@contextmanager
def locked(factory: sessionmaker[Session], name: str, **kw) -> Iterator[Lease]:
    lease = acquire(factory, name, **kw)
    try:
        yield lease
    finally:
        lease.release()
