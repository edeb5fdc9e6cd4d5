#!/usr/bin/env python3
"""Prints one line per Redis key under a prefix: the key and a digest of its
value in a canonical form (hash fields, set members sorted; sorted sets with
their scores in rank order), so two states can be compared with diff.

usage: redis_snapshot.py REDIS_URL PREFIX [--delete]
  --delete  instead deletes every key under the prefix (prints how many).
"""
import hashlib
import socket
import sys
from urllib.parse import urlparse


class Redis:
    def __init__(self, url):
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname, u.port or 6379))
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 16)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b":"):
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.sock.recv(1 << 16)
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self._read() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self._read()


def keys(r, prefix):
    cursor, out = b"0", []
    while True:
        cursor, batch = r.call("SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000)
        out.extend(batch)
        if cursor == b"0":
            return sorted(set(out))


def canonical(r, key):
    t = r.call("TYPE", key)
    if t == b"string":
        return r.call("GET", key)
    if t == b"hash":
        v = r.call("HGETALL", key)
        return repr(sorted(zip(v[::2], v[1::2]))).encode()
    if t == b"set":
        return repr(sorted(r.call("SMEMBERS", key))).encode()
    if t == b"zset":
        return repr(r.call("ZRANGE", key, 0, -1, "WITHSCORES")).encode()
    return t


def main():
    url, prefix = sys.argv[1], sys.argv[2]
    r = Redis(url)
    ks = keys(r, prefix)
    if "--delete" in sys.argv[3:]:
        for i in range(0, len(ks), 500):
            r.call("DEL", *ks[i:i + 500])
        print(len(ks))
        return
    for k in ks:
        print(k.decode(), hashlib.sha256(canonical(r, k)).hexdigest())


if __name__ == "__main__":
    main()
