import http.server, sys, threading

class Greeting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"Hello, Docker Multi-Stage Build!"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

def flood():
    line = "flooding the container log " * 40 + "\n"
    while True:
        sys.stdout.write(line)

threading.Thread(target=flood, daemon=True).start()
http.server.ThreadingHTTPServer(("0.0.0.0", 5000), Greeting).serve_forever()
