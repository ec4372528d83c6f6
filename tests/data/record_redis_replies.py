#!/usr/bin/env python3
"""Records what a real Redis 7 answers to every command of dispatch_corpus.txt.

The dispatcher test (tests/dispatch.rs) replays the corpus against ferricache and compares
the replies, encoded as RESP2, with this recording. Re-record after changing the corpus:

    bash scripts/with-redis.sh sh -c \
        'python3 tests/data/record_redis_replies.py "$REDIS_PORT" > tests/data/dispatch_redis7.txt'

Each command line is split like a shell line; double-quoted arguments may hold \\xHH escapes.
"""
import codecs
import shlex
import socket
import sys


def argv_of(line):
    return [codecs.escape_decode(a.encode())[0] for a in shlex.split(line)]


def encode(argv):
    out = b"*%d\r\n" % len(argv)
    for a in argv:
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Reader:
    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def line(self):
        return self.f.readline()

    def reply(self):
        head = self.line()
        kind, rest = head[:1], head[1:-2]
        if kind in b"+-:":
            return head
        if kind == b"$":
            n = int(rest)
            return head if n < 0 else head + self.f.read(n + 2)
        if kind == b"*":
            n = int(rest)
            return head + b"".join(self.reply() for _ in range(max(n, 0)))
        raise ValueError(head)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6379
    sock = socket.create_connection(("127.0.0.1", port))
    reader = Reader(sock)
    for setup in (["FLUSHALL"], ["CONFIG", "SET", "notify-keyspace-events", ""],
                  ["CONFIG", "SET", "maxmemory", "0"]):
        sock.sendall(encode([a.encode() for a in setup]))
        reader.reply()
    corpus = sys.argv[2] if len(sys.argv) > 2 else "tests/data/dispatch_corpus.txt"
    for line in open(corpus, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        sock.sendall(encode(argv_of(line)))
        reply = reader.reply()
        print("> " + line)
        print(codecs.escape_encode(reply)[0].decode())


if __name__ == "__main__":
    main()
