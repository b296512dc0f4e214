"""smtpsink.py — an SMTP server on a loopback port that keeps what it is sent, for the
e-mail notice tests. Standard library only (Python dropped smtpd): EHLO/HELO, MAIL,
RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT. A test can make it answer MAIL with a
temporary failure (451) or RCPT with a permanent one (550) to see the retries."""
import email
import email.policy
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        sink = self.server.sink
        self.reply("220 sink.localhost ESMTP test sink")
        mail_from, rcpts = None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink.localhost" if verb == "EHLO" else "250 sink.localhost")
                if verb == "EHLO":
                    self.reply("250-8BITMIME")
                    self.reply("250 SIZE 10485760")
            elif verb == "MAIL":
                if sink.mode == "tempfail":
                    self.reply("451 4.3.0 try again later")
                    continue
                mail_from, rcpts = cmd[10:].strip(), []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                if sink.mode == "reject":
                    self.reply("550 5.1.1 no such mailbox")
                    continue
                rcpts.append(cmd[8:].strip().strip("<>"))
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not mail_from or not rcpts:
                    self.reply("503 5.5.1 MAIL and RCPT first")
                    continue
                self.reply("354 end with .")
                data = []
                while True:
                    ln = self.rfile.readline(65536)
                    if not ln or ln in (b".\r\n", b".\n"):
                        break
                    data.append(ln[1:] if ln.startswith(b"..") else ln)
                raw = b"".join(data)
                with sink.lock:
                    sink.messages.append({
                        "from": mail_from, "to": list(rcpts), "raw": raw,
                        "msg": email.message_from_bytes(raw, policy=email.policy.default)})
                    sink.cond.notify_all()
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 queued")
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 ok")
            elif verb == "NOOP":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 5.5.2 not implemented")


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Sink:
    def __init__(self):
        self.messages = []
        self.mode = "accept"
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.srv = _Server(("127.0.0.1", 0), _Handler)
        self.srv.sink = self
        self.port = self.srv.server_address[1]
        self.url = "smtp://127.0.0.1:%d" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def wait_for(self, pred, timeout=20):
        """The messages once pred(messages) holds; the server sends every two seconds,
        so this waits for delivery, never for a deadline."""
        with self.cond:
            self.cond.wait_for(lambda: pred(self.messages), timeout=timeout)
            return list(self.messages)

    def to(self, addr):
        with self.lock:
            return [m for m in self.messages if addr in m["to"]]

    def text(self, m):
        return m["msg"].get_body(preferencelist=("plain",)).get_content()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
