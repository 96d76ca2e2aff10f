"""Refuses and records every network connection of the Python process that imports it.

Python imports `sitecustomize` at start-up from the module path, so a test that puts this
folder on PYTHONPATH has it loaded by the command it runs and by every Python child of it
(the dbt subprocess of a refresh). Loopback and local (Unix) sockets are allowed: they are
not the network. Each refused attempt (a DNS lookup or a connect) is appended, with the
process id and the stack of Python frames that made it, to TRIANGULATE_SOCKET_LOG.
"""

import os
import socket
import traceback

_LOG = os.environ.get("TRIANGULATE_SOCKET_LOG")
_LOCAL_HOSTS = {None, "", "localhost", "ip6-localhost"}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    return host in _LOCAL_HOSTS or str(host).startswith("127.") or host in ("::1", "0.0.0.0")


def _refuse(what: str, target) -> None:
    if _LOG:
        stack = "".join(traceback.format_stack(limit=12)[:-2])
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"--- pid {os.getpid()} {what} {target!r}\n{stack}")
    raise OSError(101, f"network access refused in this test: {what} {target!r}")


_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


def _guard(method_name: str):
    original = getattr(socket.socket, method_name)

    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _refuse(method_name, address)
        return original(self, address, *args)

    return guarded


if _LOG:
    socket.getaddrinfo = _guarded_getaddrinfo
    for _name in ("connect", "connect_ex"):
        setattr(socket.socket, _name, _guard(_name))
