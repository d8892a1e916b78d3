"""A tiny IMAP4rev1 server for the tests (RFC 3501, the subset imaplib's client uses to read a
folder read-only): CAPABILITY, LOGIN, SELECT/EXAMINE, UID SEARCH, UID FETCH (BODY.PEEK[] and
BODY[]), NOOP, LOGOUT. One folder of messages held in memory, on a real TCP port, so the product's
mailbox reader talks to it exactly as to a mail server. Records the commands it was sent (the test
checks nothing deleted or flagged the mail)."""

import re
import socketserver
import threading

UIDVALIDITY = 4242


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self.send("* OK [CAPABILITY IMAP4rev1] prueba lista")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").strip()
            server.commands.append(text)
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completado")
            elif command == "LOGIN":
                user, _, password = args.partition(" ")
                if (user.strip('"'), password.strip('"')) == (server.user, server.password):
                    self.send(f"{tag} OK LOGIN completado")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] credenciales no válidas")
            elif command in ("SELECT", "EXAMINE"):
                if args.strip('"') != server.folder:
                    self.send(f"{tag} NO no existe esa carpeta")
                    continue
                self.send(f"* {len(server.messages)} EXISTS")
                self.send("* 0 RECENT")
                self.send(f"* OK [UIDVALIDITY {server.uidvalidity}] UIDs válidos")
                self.send(f"{tag} OK [READ-ONLY] {command} completado")
            elif command == "UID":
                self.uid(tag, args)
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP completado")
            elif command == "LOGOUT":
                self.send("* BYE adiós")
                self.send(f"{tag} OK LOGOUT completado")
                return
            else:
                self.send(f"{tag} BAD comando no admitido")

    def uid(self, tag, args):
        server = self.server
        sub, _, rest = args.partition(" ")
        uids = sorted(server.messages)
        if sub.upper() == "SEARCH":
            match = re.search(r"UID (\d+):\*", rest)
            start = int(match.group(1)) if match else 1
            found = [u for u in uids if u >= start] or uids[-1:]  # "n:*" always includes the last message
            self.send("* SEARCH " + " ".join(str(u) for u in found))
            self.send(f"{tag} OK SEARCH completado")
        elif sub.upper() == "FETCH":
            wanted, _, _items = rest.partition(" ")
            for uid in [int(u) for u in wanted.split(",")]:
                if uid in server.messages:
                    body = server.messages[uid]
                    seq = uids.index(uid) + 1
                    self.send(f"* {seq} FETCH (UID {uid} BODY[] {{{len(body)}}}".encode() + b"\r\n" + body + b")\r\n")
            self.send(f"{tag} OK FETCH completado")
        else:
            self.send(f"{tag} BAD UID {sub} no admitido")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ImapTestServer:
    def __init__(self, *, user="compras@empresa.test", password="clave-buzon", folder="INBOX"):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.user, self.server.password, self.server.folder = user, password, folder
        self.server.messages, self.server.commands = {}, []
        self.server.uidvalidity = UIDVALIDITY
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, raw: bytes):
        uid = max(self.server.messages, default=0) + 1
        self.server.messages[uid] = raw
        return uid

    @property
    def commands(self):
        return self.server.commands

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
