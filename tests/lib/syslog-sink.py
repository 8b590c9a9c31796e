"""A stand-in for the system log: binds a unix datagram socket at argv[1] and appends each datagram, one
per line, to the file argv[2] (flushed at once). Runs until it is killed."""
import os
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
with open(sys.argv[2], "a", encoding="utf-8") as out:
    while True:
        out.write(sock.recv(65536).decode("utf-8", "replace") + "\n")
        out.flush()
