import http.server, os

def secret():
    try:
        with open("/app/secret.txt", "rb") as handle:
            return handle.read()
    except OSError as error:
        return ("unreadable: %s (link to %s)" % (error, os.readlink("/app/secret.txt"))).encode()

class Leak(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = secret()
        print(body, flush=True)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

print(secret(), flush=True)
http.server.HTTPServer(("0.0.0.0", 5000), Leak).serve_forever()
