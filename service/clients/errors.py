from __future__ import annotations

from service.errors import Conflict, NotFound


class ClientNotFound(NotFound):
    pass


class DuplicateCedula(Conflict):
    code = "duplicate_cedula"
