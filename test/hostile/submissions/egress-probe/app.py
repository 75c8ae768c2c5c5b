"""Serves the greeting only if the container cannot resolve an outside name. Only the container's own resolver
is asked; no connection is attempted to any outside address."""
import http.server, socket, threading

outcome = {}

def resolve():
    try:
        socket.getaddrinfo("deb.debian.org", 80)
        outcome["resolved"] = True
    except OSError:
        outcome["resolved"] = False

lookup = threading.Thread(target=resolve, daemon=True)
lookup.start()
lookup.join(3)  # a resolver that never answers is as good as none
REACHED = outcome.get("resolved", False)
print("resolved an outside name:", REACHED, flush=True)

class Probe(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"resolved an outside name" if REACHED else b"Hello, Docker Multi-Stage Build!"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("0.0.0.0", 5000), Probe).serve_forever()
